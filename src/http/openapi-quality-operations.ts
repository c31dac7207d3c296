// The data-quality operations (listing contract, provenance, quarantine, anomaly verdicts, the
// quality report), for the operation table in openapi-operations.ts: every answer described field
// by field, the provenance in both of its forms.
import { closed, error, instant, mapOf, operationsTagged, orNull, type OperationDoc } from './openapi-shapes.js';

const anomalyRecord = closed('An anomaly flag', {
  id: { type: 'integer' },
  listingId: { type: ['integer', 'null'] },
  opportunityId: { type: ['integer', 'null'] },
  source: { type: 'string' },
  lotId: { type: 'string' },
  kind: { type: 'string' },
  detail: { type: 'string' },
  status: { type: 'string', enum: ['open', 'false_positive', 'confirmed', 'resolved'] },
  detectedAt: instant,
  updatedAt: instant,
  markedBy: { type: ['string', 'null'], description: 'who gave the verdict' },
});
const quarantinedRecord = closed('A record the listing contract held back', {
  id: { type: 'integer' },
  source: { type: 'string' },
  lotId: { type: 'string' },
  origin: { type: 'string' },
  importId: { type: ['integer', 'null'] },
  row: { type: ['integer', 'null'], description: 'the row of the file it came from, when it came from a file' },
  contractVersion: { type: 'string' },
  reasons: {
    type: 'array',
    items: closed('A contract rule the record breaks', {
      rule: { type: 'string' },
      field: { type: 'string' },
      message: { type: 'string' },
    }),
  },
  record: { type: 'object', additionalProperties: true, description: 'the listing as it was read' },
  status: { type: 'string', enum: ['quarantined', 'released'] },
  quarantinedAt: instant,
  updatedAt: instant,
});

const integers = (names: string[]) => Object.fromEntries(names.map((n) => [n, { type: 'integer' }]));
const listingContract = closed('The versioned listing data contract', {
  name: { type: 'string', const: 'listing' },
  version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', description: 'raised whenever a rule is added, removed or tightened' },
  description: { type: 'string' },
  limits: closed('The bounds the rules check against, as the checks use them', {
    ...integers(['minModelYear', 'maxMileage', 'maxBidCents', 'maxBuyerPremiumPct', 'maxDocFeeCents', 'maxLotIdLength', 'maxTextLength']),
    endedGraceMs: { type: 'integer', description: 'an auction that ended longer ago than this is not a live listing' },
    maxEndAheadMs: { type: 'integer', description: 'an auction ending further ahead than this has a date error' },
  }),
  rules: {
    type: 'array',
    items: closed('A rule every listing must pass', {
      id: { type: 'string' },
      kind: { type: 'string', enum: ['type', 'range', 'format', 'cross_field'] },
      fields: { type: 'array', items: { type: 'string' } },
      description: { type: 'string' },
    }),
  },
});

const method = { type: 'string', enum: ['extracted', 'derived', 'default', 'imputed'] };
const activities = ['extraction', 'appraisal', 'anomaly_detection', 'storage', 'vin_decoding'];
const fieldProvenance = closed(
  'Where one published field came from',
  {
    field: { type: 'string', description: 'its path in the Opportunity, or `listing.*` for listing fields it omits' },
    method,
    locator: { type: ['string', 'null'], description: 'CSS selector, JSON Pointer or CSV row/column; null when no place in the source' },
    inputs: { type: 'array', items: { type: 'string' }, description: 'the fields, comparables and configuration it was computed from' },
    agent: { type: 'string', description: "the reader's extractor version, the engine build or the decoder release" },
    activity: { type: 'string', enum: activities },
    sourceUrl: { type: ['string', 'null'] },
    snapshotHash: { type: ['string', 'null'] },
    at: instant,
    assumption: { type: 'string', description: 'what the reader had to assume, when it had to' },
    raw: { type: 'string', description: 'the text as the source sent it, when markup was stripped from the published value' },
  },
  ['assumption', 'raw'],
);
const comparable = closed('A comparable behind the estimate', {
  id: { type: ['integer', 'null'], description: 'comparable sale (market_comps) id' },
  kind: { type: 'string', enum: ['sale', 'market'] },
  year: { type: 'integer' },
  model: { type: 'string' },
  mileage: { type: ['integer', 'null'] },
  price: { type: 'number', description: 'US dollars' },
  saleDate: { type: ['string', 'null'], format: 'date' },
  adjustedPrice: { type: 'number', description: "the price adjusted to this vehicle's year, mileage and service class" },
  weight: { type: 'number', description: 'share of the comps estimate (0–1)' },
});
const provenance = closed('Provenance of every published field (format=json, the default)', {
  opportunityId: { type: 'integer' },
  listingId: { type: 'integer' },
  source: orNull(
    closed('The source snapshot the listing was read from; null when none was recorded', {
      url: { type: 'string' },
      fetchedAt: instant,
      snapshotHash: { type: 'string' },
      extractorVersion: { type: 'string' },
      origin: { type: 'string' },
    }),
  ),
  engineVersion: { type: ['string', 'null'] },
  comparables: { type: 'array', items: comparable },
  coverage: closed('How many published fields have a record', {
    published: { type: 'integer' },
    withRecord: { type: 'integer' },
    ratio: { type: 'number', minimum: 0, maximum: 1 },
    missing: { type: 'array', items: { type: 'string' } },
  }),
  fields: mapOf('Field path → its provenance', fieldProvenance),
});

// PROV-JSON (W3C member submission, 2013): the dictionaries below hold only what the export
// writes, so a PROV reader and a generated client both know each record's attributes.
const qualifiedName = { type: 'string' };
const relationId = '^_:r[0-9]+$';
const relation = (description: string, properties: Record<string, unknown>, optional: string[] = []) =>
  mapOf(description, closed(description, properties, optional), relationId);
const provDocument = closed('W3C PROV-JSON of the same provenance (format=prov-json)', {
  prefix: closed('The namespaces the qualified names use', {
    ds: { type: 'string', const: 'urn:dealerscope:ns#' },
    opp: { type: 'string', pattern: '^urn:dealerscope:opportunity:[0-9]+:$' },
    agent: { type: 'string', const: 'urn:dealerscope:agent:' },
    snap: { type: 'string', const: 'urn:dealerscope:snapshot:' },
    xsd: { type: 'string', const: 'http://www.w3.org/2001/XMLSchema#' },
  }),
  entity: mapOf(
    'Field values (opp:), source snapshots (snap:), and the datasets and configuration they were derived from (ds:)',
    {
      oneOf: [
        closed(
          'A published field value',
          {
            'prov:type': { type: 'string', const: 'ds:FieldValue' },
            'ds:field': { type: 'string' },
            'ds:method': method,
            'prov:value': { type: ['string', 'number', 'boolean'], description: 'an object or list value as JSON text; absent when null' },
            'ds:locator': { type: 'string' },
            'ds:assumption': { type: 'string' },
          },
          ['prov:value', 'ds:locator', 'ds:assumption'],
        ),
        closed('The source snapshot a listing was read from', {
          'prov:type': { type: 'string', const: 'ds:SourceSnapshot' },
          'prov:location': { type: 'string' },
          'ds:snapshotHash': { type: 'string' },
          'ds:fetchedAt': closed('A typed literal', { $: instant, type: { type: 'string', const: 'xsd:dateTime' } }),
        }),
        closed('A dataset (comparables) or configuration table a value was computed from', {
          'prov:type': { type: 'string', enum: ['ds:Configuration', 'ds:Dataset'] },
          'prov:label': { type: 'string' },
        }),
      ],
    },
    '^(opp|snap|ds):',
  ),
  activity: mapOf(
    'Extraction, appraisal, VIN decoding, anomaly detection and storage of the listing',
    closed('An activity', {
      'prov:type': { type: 'string', enum: activities.map((a) => `ds:${a}`) },
      'prov:startTime': instant,
      'prov:endTime': instant,
    }),
    '^ds:',
  ),
  agent: mapOf(
    'The reader, engine, decoder and service builds',
    closed('A software agent', {
      'prov:type': { type: 'string', const: 'prov:SoftwareAgent' },
      'prov:label': { type: 'string' },
    }),
    '^agent:',
  ),
  wasGeneratedBy: relation('A field value generated by an activity', {
    'prov:entity': qualifiedName,
    'prov:activity': qualifiedName,
    'prov:time': instant,
  }),
  used: relation('An input or snapshot an activity used', { 'prov:activity': qualifiedName, 'prov:entity': qualifiedName }),
  wasDerivedFrom: relation(
    'A field value derived from an input, or from its source snapshot (prov:PrimarySource)',
    {
      'prov:generatedEntity': qualifiedName,
      'prov:usedEntity': qualifiedName,
      'prov:type': { type: 'string', const: 'prov:PrimarySource' },
    },
    ['prov:type'],
  ),
  wasAttributedTo: relation('A field value attributed to an agent', { 'prov:entity': qualifiedName, 'prov:agent': qualifiedName }),
  wasAssociatedWith: relation('An activity carried out by an agent', { 'prov:activity': qualifiedName, 'prov:agent': qualifiedName }),
});

const ratio = { type: ['number', 'null'], minimum: 0, maximum: 1, description: 'null with nothing to divide' };
const compliance = closed('Records passing the listing contract', {
  validated: { type: 'integer' },
  passed: { type: 'integer' },
  ratio,
});
const dimensions = closed('DAMA dimensions, each a ratio 0–1', {
  completeness: { type: 'number' },
  validity: { type: 'number' },
  uniqueness: { type: 'number' },
  timeliness: { type: 'number' },
  consistency: { type: 'number' },
});
const score = closed('The quality score of a set of records', {
  records: { type: 'integer' },
  dimensions,
  score: { type: 'number', description: 'the weighted mean of the dimensions' },
});
const sourceScrapes = closed("A configured auction source's scrapes: the latest run and the last 7 days", {
  kind: { type: 'string', description: 'the adapter (govdeals, allsurplus, publicsurplus, gsa, feed)' },
  lastRun: closed('The latest run', {
    at: instant,
    outcome: { type: 'string', enum: ['ok', 'partial', 'failed'] },
    ...integers(['pages', 'found', 'accepted', 'skipped', 'rejected', 'quarantined']),
    errors: { type: 'array', items: { type: 'string' } },
  }),
  parseCoverage: closed('Of the latest run that read lots: fields filled ÷ fields the format carries', {
    filled: { type: 'integer' },
    available: { type: 'integer' },
    ratio,
    fields: mapOf('Per field, the share of lots it was filled in', { type: 'number' }),
  }),
  compliance,
  window: closed('The last 7 days of runs', {
    ...integers(['runs', 'failed', 'found', 'accepted', 'rejected', 'quarantined']),
    parseCoverage: ratio,
    compliance: ratio,
  }),
});
const qualitySnapshot = closed('Quality score per source and overall, contract compliance, anomaly false positives, provenance coverage', {
  at: instant,
  compliance: closed('Contract compliance of the imports over the window', {
    overall: compliance,
    sources: mapOf('Per source', compliance),
    windowMs: { type: 'integer' },
  }),
  anomalies: closed('Anomaly flags and the verdicts operators gave', {
    ...integers(['checked', 'flagged', 'reviewed', 'falsePositives', 'confirmed']),
    falsePositiveRatio: { ...ratio, description: 'false positives ÷ reviewed; null before any verdict' },
  }),
  provenance: closed('Provenance coverage of the newest active opportunities', {
    ...integers(['opportunities', 'fieldsPublished', 'fieldsWithRecord']),
    coverageRatio: ratio,
  }),
  quality: closed('The quality score of the newest records', {
    overall: score,
    sources: mapOf('Per source', score),
    weights: dimensions,
  }),
  scrapes: mapOf('Per configured auction source, by its name in the sources file', sourceScrapes),
});
const qualityOp = operationsTagged(null);

export const QUALITY_OPERATIONS: Record<string, OperationDoc> = {
  'GET /api/opportunities/:id/provenance': qualityOp('getOpportunityProvenance', {
    querystring: { type: 'object', properties: { format: { type: 'string', enum: ['json', 'prov-json'], default: 'json' } } },
    responses: {
      200: {
        description: 'Provenance of every published field, or (format=prov-json) the same as W3C PROV-JSON',
        oneOf: [provenance, provDocument],
      },
      400: error,
      404: error,
    },
  }),
  'GET /api/contracts/listing': qualityOp('getListingContract', { responses: { 200: listingContract } }),
  'GET /api/quality': qualityOp('getDataQuality', { responses: { 200: qualitySnapshot } }),
  'GET /api/quarantine': qualityOp('listQuarantine', {
    querystring: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['quarantined', 'released', 'all'] },
        source: { type: 'string' },
        limit: { type: 'integer', minimum: 1 },
        offset: { type: 'integer', minimum: 0 },
      },
    },
    responses: {
      200: closed('Quarantined records, latest first, and how many match', {
        items: { type: 'array', items: quarantinedRecord },
        total: { type: 'integer' },
      }),
      400: error,
    },
  }),
  'GET /admin/anomalies': qualityOp('listAnomalies', {
    querystring: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['open', 'false_positive', 'confirmed', 'resolved'] },
        limit: { type: 'integer', minimum: 1 },
        offset: { type: 'integer', minimum: 0 },
      },
    },
    responses: {
      200: closed('Anomaly flags, and how many match', { items: { type: 'array', items: anomalyRecord }, total: { type: 'integer' } }),
      400: error,
    },
  }),
  'POST /admin/anomalies/:id/false-positive': qualityOp('markAnomalyFalsePositive', {
    responses: {
      200: closed('The flag, now a false positive, and how many listings were re-appraised (its own, when it has one)', {
        anomaly: anomalyRecord,
        reappraised: { type: 'integer', minimum: 0 },
      }),
      400: error,
      404: error,
    },
  }),
};
