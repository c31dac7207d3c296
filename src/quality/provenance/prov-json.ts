// W3C PROV-JSON export of an opportunity's provenance: one entity per field value, the source
// snapshot as an entity, extraction / appraisal / detection as activities, the reader and engine
// builds as software agents, linked by wasGeneratedBy, used, wasDerivedFrom, wasAttributedTo and
// wasAssociatedWith.
import type { FieldProvenance } from './fields.js';

type Attrs = Record<string, string | number | boolean | { $: string; type: string }>;
type Dict = Record<string, Attrs>;

export interface ProvDocument {
  prefix: Record<string, string>;
  entity: Dict;
  activity: Dict;
  agent: Dict;
  wasGeneratedBy: Dict;
  used: Dict;
  wasDerivedFrom: Dict;
  wasAttributedTo: Dict;
  wasAssociatedWith: Dict;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, (c) => (c === '/' || c === ':' ? '-' : '_'));
const dateTime = (iso: string) => ({ $: iso, type: 'xsd:dateTime' });

export function toProvJson(
  opportunityId: number,
  listingId: number,
  records: Record<string, FieldProvenance>,
  values: Record<string, unknown>,
): ProvDocument {
  const doc: ProvDocument = {
    prefix: {
      ds: 'urn:dealerscope:ns#',
      opp: `urn:dealerscope:opportunity:${opportunityId}:`,
      agent: 'urn:dealerscope:agent:',
      snap: 'urn:dealerscope:snapshot:',
      xsd: 'http://www.w3.org/2001/XMLSchema#',
    },
    entity: {},
    activity: {},
    agent: {},
    wasGeneratedBy: {},
    used: {},
    wasDerivedFrom: {},
    wasAttributedTo: {},
    wasAssociatedWith: {},
  };
  let n = 0;
  const rel = (kind: keyof Omit<ProvDocument, 'prefix' | 'entity' | 'activity' | 'agent'>, attrs: Attrs) => {
    doc[kind][`_:r${++n}`] = attrs;
  };
  const fieldId = (path: string) => `opp:${safe(path)}`;

  for (const r of Object.values(records)) {
    const activityId = `ds:${r.activity}-${listingId}`;
    const agentId = `agent:${safe(r.agent)}`;
    if (!doc.activity[activityId]) {
      doc.activity[activityId] = { 'prov:type': `ds:${r.activity}`, 'prov:startTime': r.at, 'prov:endTime': r.at };
      doc.agent[agentId] ??= { 'prov:type': 'prov:SoftwareAgent', 'prov:label': r.agent };
      rel('wasAssociatedWith', { 'prov:activity': activityId, 'prov:agent': agentId });
    }
    doc.agent[agentId] ??= { 'prov:type': 'prov:SoftwareAgent', 'prov:label': r.agent };
    const entity: Attrs = { 'prov:type': 'ds:FieldValue', 'ds:field': r.field, 'ds:method': r.method };
    const v = values[r.field];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') entity['prov:value'] = v;
    else if (v !== null && v !== undefined) entity['prov:value'] = JSON.stringify(v);
    if (r.locator) entity['ds:locator'] = r.locator;
    if (r.assumption) entity['ds:assumption'] = r.assumption;
    const id = fieldId(r.field);
    doc.entity[id] = entity;
    rel('wasGeneratedBy', { 'prov:entity': id, 'prov:activity': activityId, 'prov:time': r.at });
    rel('wasAttributedTo', { 'prov:entity': id, 'prov:agent': agentId });
    if (r.snapshotHash && r.sourceUrl) {
      const snapId = `snap:${safe(r.snapshotHash)}`;
      if (!doc.entity[snapId]) {
        doc.entity[snapId] = {
          'prov:type': 'ds:SourceSnapshot',
          'prov:location': r.sourceUrl,
          'ds:snapshotHash': r.snapshotHash,
          'ds:fetchedAt': dateTime(r.at),
        };
        rel('used', { 'prov:activity': activityId, 'prov:entity': snapId });
      }
      rel('wasDerivedFrom', { 'prov:generatedEntity': id, 'prov:usedEntity': snapId, 'prov:type': 'prov:PrimarySource' });
    }
    for (const input of r.inputs) {
      // Configuration tables and comps are entities too: the appraisal used them.
      const inputId = records[input] ? fieldId(input) : `ds:${safe(input)}`;
      if (!records[input])
        doc.entity[inputId] ??= { 'prov:type': input.startsWith('config:') ? 'ds:Configuration' : 'ds:Dataset', 'prov:label': input };
      rel('wasDerivedFrom', { 'prov:generatedEntity': id, 'prov:usedEntity': inputId });
      rel('used', { 'prov:activity': activityId, 'prov:entity': inputId });
    }
  }
  return doc;
}

/** Flattens an Opportunity into path → value, the keys the provenance records use. */
export function flattenValues(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flattenValues(v as Record<string, unknown>, path));
    else out[path] = v;
  }
  return out;
}
