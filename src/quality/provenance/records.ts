// Stored provenance (one row per listing: where each listing field was read, and which engine
// build appraised it) and its expansion into a record for every published field.
import type { ListingOrigin } from '../batch.js';
import type { ListingInput } from '../../opportunities/index.js';
import type { QualityProvenanceTable } from '../storage/tables.js';
import {
  ANOMALY_INPUTS,
  ENGINE_DERIVATIONS,
  LISTING_FIELD_PATHS,
  LISTING_FIELDS,
  STORAGE_FIELDS,
  VEHICLE_FIELDS,
  VIN_DECODE_INPUTS,
  type ReadListingField,
  type FieldProvenance,
  type ProvenanceMethod,
} from './fields.js';

export const ANOMALY_DETECTOR_VERSION = 'anomaly-detector/1.0.0';
export const SERVICE_AGENT = 'dealerscope/5.0.0';
/** Readers that hand the pipeline no origin at all are named as such, never guessed. */
export const UNSPECIFIED_EXTRACTOR = 'unspecified-reader';

/** Per field: method, locator, inputs, `a` what the reader assumed, and `r` the raw text when the published value was cleaned of markup. */
export type StoredFields = Record<string, { m: ProvenanceMethod; l: string | null; i?: string[]; a?: string; r?: string }>;

const DERIVED_INPUTS: Partial<Record<keyof ListingInput, string[]>> = {
  title: ['year', 'make', 'model', 'trim'],
  vin: ['listing.description'],
  mileage: ['listing.description'],
  buyerPremiumPct: ['listing.description'],
};

/** How a field was read: what the reader said, else extracted when it has a value and defaulted when not. */
function fieldMethod(listing: ListingInput, origin: ListingOrigin | undefined, f: ReadListingField): ProvenanceMethod {
  const value = listing[f];
  return origin?.methods?.[f] ?? (value === null || value === undefined ? 'default' : 'extracted');
}

function fieldEntry(listing: ListingInput, origin: ListingOrigin | undefined, f: ReadListingField): StoredFields[string] {
  const method = fieldMethod(listing, origin, f);
  const entry: StoredFields[string] = { m: method, l: origin?.locators[f] ?? null };
  const raw = origin?.raw?.[f];
  if (raw !== undefined) entry.r = raw.slice(0, 20_000);
  if (method === 'derived' || method === 'imputed') entry.i = origin?.inputs?.[f] ?? DERIVED_INPUTS[f] ?? [];
  const assumption = origin?.assumptions?.[f];
  if (assumption) entry.a = assumption;
  return entry;
}

export function storedFields(listing: ListingInput, origin: ListingOrigin | undefined): StoredFields {
  const out: StoredFields = {};
  for (const f of LISTING_FIELDS) out[f] = fieldEntry(listing, origin, f);
  return out;
}

// The stored form of `StoredFields` (fields_json). The plain form spelled out every field as
// {"m":…,"l":…}: 1.2 KB a listing for a CSV row, most of it the same method and the same
// locator prefix 22 times, and about 30 % of the bytes an import sent to PostgreSQL. The
// compact form, marked by its "#" key, writes the entries most readers give in short:
//   - a string: read from a place in the source (method "extracted"), its locator the "@" prefix
//     followed by the string;
//   - 0: not in the source, the column's default (method "default", no locator);
//   - anything else: the entry as it is.
// A field missing from either form was not read by the reader that wrote the row (a field added
// since), which `expandProvenance` says. Rows of both forms are read; only the compact one is written.
const COMPACT_MARK = '#';
const LOCATOR_PREFIX = '@';
const COMPACT_VERSION = 2;

function isPlain(e: StoredFields[string]): boolean {
  return e.i === undefined && e.a === undefined && e.r === undefined;
}

/**
 * The prefix the extracted locators share, cut after its last separator so that what is left of
 * each stays readable ("csv:row=3;column=" rather than "csv:row=3;column=s").
 */
function sharedPrefix(locators: string[]): string {
  if (locators.length < 2) return '';
  // The common length first, one slice at the end: a slice per locator was most of this function.
  const first = locators[0]!;
  let n = first.length;
  for (let j = 1; j < locators.length && n > 0; j++) {
    const l = locators[j]!;
    const bound = Math.min(n, l.length);
    let k = 0;
    while (k < bound && first.charCodeAt(k) === l.charCodeAt(k)) k++;
    n = k;
  }
  if (n === 0) return '';
  const prefix = first.slice(0, n);
  const cut = Math.max(prefix.lastIndexOf('='), prefix.lastIndexOf(';'), prefix.lastIndexOf('/'), prefix.lastIndexOf(' '));
  return prefix.slice(0, cut + 1);
}

// Field names as JSON keys, quoted once: the names are a listing's fields, a few dozen at most.
const quotedKeys = new Map<string, string>();
function jsonKey(field: string): string {
  let key = quotedKeys.get(field);
  if (key === undefined) quotedKeys.set(field, (key = `${JSON.stringify(field)}:`));
  return key;
}

/** How the compact form writes one entry: an extracted locator, 0 for a default, or the entry whole. */
type CompactEntry = string | 0 | StoredFields[string];

function compactEntry(e: StoredFields[string]): CompactEntry {
  if (!isPlain(e)) return e;
  if (e.m === 'extracted' && e.l !== null) return e.l;
  if (e.m === 'default' && e.l === null) return 0;
  return e;
}

/**
 * The compact form's text, written directly: an import writes one a listing, and building an
 * object for JSON.stringify to walk took twice as long (20,000 rows: 0.26 s against 0.13 s). The
 * text is the same, key for key.
 */
function writeCompact(names: readonly string[], entries: readonly CompactEntry[]): string {
  const extracted: string[] = [];
  for (const e of entries) if (typeof e === 'string') extracted.push(e);
  const prefix = sharedPrefix(extracted);
  let out = `{${jsonKey(COMPACT_MARK)}${COMPACT_VERSION}`;
  if (prefix) out += `,${jsonKey(LOCATOR_PREFIX)}${JSON.stringify(prefix)}`;
  for (let i = 0; i < names.length; i++) {
    const e = entries[i]!;
    out += `,${jsonKey(names[i]!)}`;
    if (typeof e === 'string') out += JSON.stringify(e.slice(prefix.length));
    else if (e === 0) out += '0';
    else out += JSON.stringify(e);
  }
  return `${out}}`;
}

/** `fields` in the compact stored form. */
export function storedFieldsJson(fields: StoredFields): string {
  const names = Object.keys(fields);
  return writeCompact(
    names,
    names.map((f) => compactEntry(fields[f]!)),
  );
}

/**
 * `storedFieldsJson(storedFields(listing, origin))`, without building an entry for the fields
 * the compact form writes in short, which are nearly all of a feed row's: after warm-up the
 * benchmark's 20,000 rows took 116–159 ms against 156–229 ms (ten rounds, either one first).
 */
export function listingFieldsJson(listing: ListingInput, origin: ListingOrigin | undefined): string {
  const entries: CompactEntry[] = new Array<CompactEntry>(LISTING_FIELDS.length);
  for (let i = 0; i < LISTING_FIELDS.length; i++) {
    const f = LISTING_FIELDS[i]!;
    const method = fieldMethod(listing, origin, f);
    const locator = origin?.locators[f] ?? null;
    const plain = origin?.raw?.[f] === undefined && !origin?.assumptions?.[f];
    if (plain && method === 'extracted' && locator !== null) entries[i] = locator;
    else if (plain && method === 'default' && locator === null) entries[i] = 0;
    else entries[i] = compactEntry(fieldEntry(listing, origin, f));
  }
  return writeCompact(LISTING_FIELDS, entries);
}

/** A row's fields_json, in either stored form, as `StoredFields`. */
export function readStoredFields(json: string): StoredFields {
  const raw = JSON.parse(json) as Record<string, unknown>;
  if (raw[COMPACT_MARK] === undefined) return raw as StoredFields;
  const prefix = typeof raw[LOCATOR_PREFIX] === 'string' ? raw[LOCATOR_PREFIX] : '';
  const out: StoredFields = {};
  for (const [field, v] of Object.entries(raw)) {
    if (field === COMPACT_MARK || field === LOCATOR_PREFIX) continue;
    if (typeof v === 'string') out[field] = { m: 'extracted', l: prefix + v };
    else if (v === 0) out[field] = { m: 'default', l: null };
    else out[field] = v as StoredFields[string];
  }
  return out;
}

export type ProvenanceRow = QualityProvenanceTable;

export function provenanceRow(
  listingId: number,
  listing: ListingInput,
  origin: ListingOrigin | undefined,
  originName: string,
  engine: string,
  now: number,
): ProvenanceRow {
  return {
    listing_id: listingId,
    source: listing.source,
    lot_id: listing.lotId,
    origin: originName,
    source_url: origin?.sourceUrl ?? listing.listingUrl ?? `urn:dealerscope:origin:${encodeURIComponent(originName)}`,
    fetched_at: origin ? origin.fetchedAt.getTime() : now,
    snapshot_hash: origin?.snapshotHash ?? 'unrecorded',
    extractor_version: origin?.extractorVersion ?? UNSPECIFIED_EXTRACTOR,
    fields_json: listingFieldsJson(listing, origin),
    engine_version: engine,
    appraised_at: now,
    updated_at: now,
  };
}

/** A record per published field path: listing fields as read, the rest as derived. */
export function expandProvenance(row: ProvenanceRow): Record<string, FieldProvenance> {
  const stored = readStoredFields(row.fields_json);
  const fetched = new Date(Number(row.fetched_at)).toISOString();
  const appraised = new Date(Number(row.appraised_at)).toISOString();
  const out: Record<string, FieldProvenance> = {};
  for (const [field, s] of Object.entries(stored)) {
    const path = LISTING_FIELD_PATHS[field as ReadListingField];
    if (!path) continue;
    out[path] = {
      field: path,
      method: s.m,
      locator: s.l,
      inputs: s.i ?? [],
      agent: row.extractor_version,
      activity: 'extraction',
      sourceUrl: row.source_url,
      snapshotHash: row.snapshot_hash,
      at: fetched,
      ...(s.a ? { assumption: s.a } : {}),
      ...(s.r !== undefined ? { raw: s.r } : {}),
    };
  }
  // A listing field added after the row was recorded (listing.sellerName) was not read by that
  // reader: its stored value is the column's default, and the record says so.
  for (const f of LISTING_FIELDS) {
    const path = LISTING_FIELD_PATHS[f];
    if (out[path]) continue;
    out[path] = {
      field: path,
      method: 'default',
      locator: null,
      inputs: [],
      agent: row.extractor_version,
      activity: 'extraction',
      sourceUrl: row.source_url,
      snapshotHash: row.snapshot_hash,
      at: fetched,
      assumption: 'not read: the listing was recorded before this field existed',
    };
  }
  for (const [path, inputs] of Object.entries(ENGINE_DERIVATIONS)) {
    out[path] = {
      field: path,
      method: 'derived',
      locator: null,
      inputs,
      agent: row.engine_version,
      activity: 'appraisal',
      sourceUrl: null,
      snapshotHash: null,
      at: appraised,
    };
  }
  for (const path of ['vehicle', ...VEHICLE_FIELDS.map((f) => `vehicle.${f}`)]) {
    out[path] = {
      field: path,
      method: 'derived',
      locator: null,
      inputs: VIN_DECODE_INPUTS,
      agent: 'nhtsa-vpic',
      activity: 'vin_decoding',
      sourceUrl: null,
      snapshotHash: null,
      at: appraised,
    };
  }
  out.anomalies = {
    field: 'anomalies',
    method: 'derived',
    locator: null,
    inputs: ANOMALY_INPUTS,
    agent: ANOMALY_DETECTOR_VERSION,
    activity: 'anomaly_detection',
    sourceUrl: null,
    snapshotHash: null,
    at: appraised,
  };
  for (const [path, s] of Object.entries(STORAGE_FIELDS)) {
    out[path] = {
      field: path,
      method: s.method,
      locator: null,
      inputs: s.inputs,
      agent: SERVICE_AGENT,
      activity: 'storage',
      sourceUrl: null,
      snapshotHash: null,
      at: appraised,
    };
  }
  return out;
}
