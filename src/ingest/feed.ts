// Listing-feed reader, plus the value parsers and fault-tolerant CSV reader that the
// comps-file reader shares. Each value parser returns the value or a problem sentence naming
// the field and the offending value, so a reject reason tells the operator what to fix.

import { lazyRequire } from '../common/lazy-require.js';

// Loaded by the first CSV feed read: a serving replica that never imports one does without it.
const csv = lazyRequire<typeof import('csv-parse/sync')>('csv-parse/sync');
import type { ListingInput, TitleStatus } from '../opportunities/types.js';
import { extractMileage, extractVin, normalizeVin } from '../quality/vin.js';
import { US_STATE_CODES } from '../common/geo.js';
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): Parsed<never> => ({ ok: false, problem });
const show = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

// A bid above this is a typo or an attack on integer arithmetic, never a vehicle.
const MAX_MONEY_CENTS = 1_000_000_000;
export const MAX_MILEAGE = 2_000_000;

/** "$12,345.67", "12345.67", "12345" (or a JSON number of dollars) → integer cents. */
export function parseMoneyCents(field: string, raw: string | number): Parsed<number> {
  let cents: number;
  let negative = false;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return bad(`${field}: ${raw} is not a valid amount`);
    negative = raw < 0;
    cents = Math.round(Math.abs(raw) * 100);
  } else {
    let t = raw.trim();
    if (t.startsWith('-')) {
      negative = true;
      t = t.slice(1).trim();
    } else if (t.startsWith('$-')) {
      negative = true;
      t = `$${t.slice(2)}`;
    }
    const m = /^\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(t);
    if (!m) return bad(`${field}: ${show(raw)} is not a valid amount`);
    cents = Number(m[1].replace(/,/g, '')) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  }
  if (negative && cents > 0) return bad(`${field}: ${show(String(raw))} must not be negative`);
  if (!Number.isSafeInteger(cents) || cents > MAX_MONEY_CENTS) {
    return bad(`${field}: ${show(String(raw))} is implausibly large`);
  }
  return ok(cents);
}

/** Whole miles; "123,456" and JSON numbers accepted, fractions rounded. */
export function parseMileage(field: string, raw: string | number): Parsed<number> {
  const t = typeof raw === 'number' ? String(raw) : raw.trim();
  const m = /^(-)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$/.exec(t);
  if (!m) return bad(`${field}: ${show(t)} is not a valid mileage`);
  const miles = Math.round(Number(m[2].replace(/,/g, '') + (m[3] ?? '')));
  if (m[1] && miles > 0) return bad(`${field}: ${show(t)} must not be negative`);
  if (miles > MAX_MILEAGE) return bad(`${field}: ${show(t)} is beyond any odometer`);
  return ok(miles);
}

/** A four-digit model year within 1900 … (now + 1); next year's models are sold in autumn. */
export function parseModelYear(field: string, raw: string | number, now: Date): Parsed<number> {
  const t = typeof raw === 'number' ? String(raw) : raw.trim();
  if (!/^\d{4}$/.test(t)) return bad(`${field}: ${show(t)} is not a valid year`);
  const year = Number(t);
  const max = now.getUTCFullYear() + 1;
  if (year > max) return bad(`${field}: ${year} is after next model year (${max})`);
  if (year < 1900) return bad(`${field}: ${year} is before 1900`);
  return ok(year);
}

export function parseNonNegativeInt(field: string, raw: string | number): Parsed<number> {
  const t = typeof raw === 'number' ? String(raw) : raw.trim().replace(/,/g, '');
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t))) {
    return bad(`${field}: ${show(t)} is not a whole number`);
  }
  return ok(Number(t));
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * ISO-8601 date or date-time. A time without an offset is read as UTC rather than the
 * server's zone, so the same file means the same instant on every machine.
 */
export function parseIsoDate(field: string, raw: string): Parsed<Date> {
  const t = raw.trim();
  const m = ISO.exec(t);
  const fail = bad(`${field}: ${show(t)} is not an ISO-8601 date`);
  if (!m) return fail;
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) =>
    v === undefined ? undefined : Number(v),
  ) as number[];
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]) return fail;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return fail;
  if (h > 23 || mi > 59 || s > 59) return fail;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  let offsetMin = 0;
  const z = m[8];
  if (z && z.toUpperCase() !== 'Z') {
    const digits = z.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 14 || om > 59) return fail;
    offsetMin = (z[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return ok(new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000));
}

/** US dealer exports write dates as M/D/YYYY; accepted alongside ISO-8601. */
export function parseUsOrIsoDate(field: string, raw: string): Parsed<Date> {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw.trim());
  if (!m) return parseIsoDate(field, raw);
  const iso = `${m[3]}-${m[1].padStart(2, '0')}-${m[2].padStart(2, '0')}`;
  const r = parseIsoDate(field, iso);
  return r.ok ? r : bad(`${field}: ${show(raw)} is not a valid date`);
}

export function parseStateCode(field: string, raw: string): Parsed<string> {
  const code = raw.trim().toUpperCase();
  if (!US_STATE_CODES.has(code)) return bad(`${field}: ${show(raw)} is not a US state, DC or territory code`);
  return ok(code);
}

export function collapseSpaces(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

// C0 controls other than tab/newline/CR, and DEL: no legitimate listing text carries them.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
export function hasControlChars(s: string): boolean {
  return CONTROL.test(s);
}

/** "Sale Price", "sale_price", "SALE-PRICE" → "saleprice". */
export function headerKey(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export class FeedFormatError extends Error {
  override name = 'FeedFormatError';
}

export interface CsvRecord {
  /** Record ordinal with the header as row 1, as a spreadsheet numbers the rows. */
  row: number;
  /** Physical line where the record starts (differs from row after quoted newlines). */
  line: number;
  fields: string[] | null;
  error: string | null;
}

/** Where a windowed CSV read stands: the next record's row and physical line. */
export interface CsvCursor {
  row: number;
  line: number;
}

/**
 * Reads CSV into records, surviving malformed input: an unterminated quote would otherwise
 * swallow the rest of the file, so the line where it opens becomes one bad record and
 * reading resumes on the next line.
 */
export function readCsvRecords(content: string | Buffer): CsvRecord[] {
  let text = typeof content === 'string' ? content : content.toString('utf8');
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  return readCsvWindow(text, { row: 0, line: 1 });
}

/**
 * The records of one stretch of normalised CSV text (BOM gone, line ends `\n`) that ends on a
 * record boundary; `at` carries the row and line numbering from one stretch to the next, so a
 * file read in windows numbers its rows as a file read whole.
 */
export function readCsvWindow(text: string, at: CsvCursor): CsvRecord[] {
  const out: CsvRecord[] = [];
  let rest = text;
  while (rest.length > 0) {
    // A skipped record shows up as text left over after the last raw record.
    const records = csv().parse(rest, {
      relax_column_count: true,
      relax_quotes: true,
      raw: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }) as Array<{ record: string[]; raw: string }>;
    let consumed = 0;
    for (const r of records) {
      if (rest.slice(consumed, consumed + r.raw.length) !== r.raw) break;
      const leading = /^\n*/.exec(r.raw)![0].length;
      at.row += 1;
      // Spreadsheets export trailing ",,,," rows; they hold nothing to accept or reject.
      if (!r.record.every((f) => f.trim() === '')) out.push({ row: at.row, line: at.line + leading, fields: r.record, error: null });
      at.line += (r.raw.match(/\n/g) ?? []).length;
      consumed += r.raw.length;
    }
    rest = rest.slice(consumed);
    if (rest.trim() === '') {
      // Blank lines closing a window still count for the lines of the next one.
      at.line += (rest.match(/\n/g) ?? []).length;
      break;
    }
    const blank = /^\n*/.exec(rest)![0].length;
    at.line += blank;
    const nl = rest.indexOf('\n', blank);
    at.row += 1;
    out.push({ row: at.row, line: at.line, fields: null, error: 'malformed CSV: unterminated quoted field' });
    if (nl < 0) break;
    rest = rest.slice(nl + 1);
    at.line += 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Listing feeds (columns in the README): one row per auction lot; good rows land, bad rows are reported.

export type FeedFormat = 'csv' | 'json';
export type DerivedField = 'title' | 'vin' | 'mileage';

export interface AcceptedListing {
  row: number;
  listing: ListingInput;
  /** Fields filled from other fields (provenance method "derived"). */
  derived: DerivedField[];
  /** The row's cells as read: column name as written → [locator, value]; provenance points at them. */
  cells: FeedCell[];
}

/** One cell of a feed row: its column as the file names it, where it sits, and its raw value. */
export interface FeedCell {
  column: string;
  /** `csv:row=R;column=NAME`, or a JSON Pointer (`/0/vin`). */
  locator: string;
  value: unknown;
}

export interface RejectedRow {
  row: number;
  /** CSV only: the physical line where the row starts. */
  line?: number;
  lotId: string | null;
  source: string | null;
  reason: string;
  raw: Record<string, unknown>;
}

/** A source + lot_id that appeared again later in the file; the later row won. */
export interface SupersededRow {
  source: string;
  lotId: string;
  row: number;
  supersededBy: number;
}

export interface FeedParseResult {
  accepted: AcceptedListing[];
  rejected: RejectedRow[];
  superseded: SupersededRow[];
}

export interface FeedParseOptions {
  now: Date;
}

const FEED_COLUMNS = [
  'source',
  'lot_id',
  'title',
  'year',
  'make',
  'model',
  'trim',
  'vin',
  'mileage',
  'current_bid',
  'auction_end',
  'city',
  'state',
  'zip',
  'listing_url',
  'title_status',
  'description',
  'buyer_premium_pct',
  'doc_fee',
] as const;
export type FeedColumn = (typeof FEED_COLUMNS)[number];
/** The feed column each listing field is read from: the locator provenance names for a field. */
export const FEED_COLUMN_OF_FIELD: Partial<Record<keyof ListingInput, FeedColumn>> = {
  source: 'source',
  lotId: 'lot_id',
  title: 'title',
  year: 'year',
  make: 'make',
  model: 'model',
  trim: 'trim',
  vin: 'vin',
  mileage: 'mileage',
  currentBidCents: 'current_bid',
  auctionEndsAt: 'auction_end',
  city: 'city',
  state: 'state',
  zip: 'zip',
  listingUrl: 'listing_url',
  titleStatus: 'title_status',
  description: 'description',
  buyerPremiumPct: 'buyer_premium_pct',
  docFeeCents: 'doc_fee',
};
const REQUIRED: readonly FeedColumn[] = ['source', 'lot_id', 'year', 'make', 'model', 'current_bid', 'auction_end', 'state'];
const COLUMN_BY_KEY = new Map<string, FeedColumn>(FEED_COLUMNS.map((c) => [headerKey(c), c]));
// Limits keep a hostile or broken feed from stuffing megabytes into every downstream layer.
const MAX_LENGTH: Partial<Record<FeedColumn, number>> = { description: 10_000, listing_url: 2_048, title: 300 };
const DEFAULT_MAX_LENGTH = 200;
const FREE_TEXT: ReadonlySet<FeedColumn> = new Set(['title', 'description', 'make', 'model', 'trim', 'city']);

const SOURCE_ALIASES: Record<string, string> = {
  govdeals: 'govdeals',
  publicsurplus: 'publicsurplus',
  publicsurpluscom: 'publicsurplus',
  gsa: 'gsa',
  gsaauctions: 'gsa',
  gsaauction: 'gsa',
  gsaauctionsgov: 'gsa',
  iaa: 'iaa',
  iaai: 'iaa',
  insuranceautoauctions: 'iaa',
  govdealscom: 'govdeals',
};

/** Display name or key → the lower-case source key the fee table and API use. */
export function normalizeSource(raw: string): string {
  const key = raw.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SOURCE_ALIASES[key] ?? key;
}

// Most specific first: "rebuilt salvage" is rebuilt and "salvage - flood" is flood.
const TITLE_PATTERNS: Array<[RegExp, TitleStatus]> = [
  [/flood|water\s*damage/, 'flood'],
  [/lemon|buy\s*back|buyback/, 'lemon'],
  [/rebuil|reconstruct|restored|prior\s+salvage/, 'rebuilt'],
  [/salvage|junk|non-?repairable|parts\s+only|certificate\s+of\s+destruction|dismantl/, 'salvage'],
  // GSA's SF-97 (the federal certificate a state titles the vehicle from) is a clean-title path.
  [/clean|clear|standard|^regular$|\bsf[\s-]?97\b|certificate to obtain title/, 'clean'],
];

/** Free-text title brand → one of the engine's statuses; anything unrecognised is unknown. */
export function normalizeTitleStatus(raw: string | null): TitleStatus {
  const t = (raw ?? '').trim().toLowerCase();
  for (const [re, status] of TITLE_PATTERNS) if (re.test(t)) return status;
  return 'unknown';
}

export function detectFeedFormat(filename: string, content: string | Buffer): FeedFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  if (ext === 'json') return 'json';
  if (ext === 'csv') return 'csv';
  const head = (typeof content === 'string' ? content : content.subarray(0, 64).toString('utf8')).replace(/^\uFEFF/, '').trimStart();
  return head.startsWith('[') || head.startsWith('{') ? 'json' : 'csv';
}

export interface RawRow {
  row: number;
  line?: number;
  raw: Record<string, unknown>;
  values: Map<FeedColumn, unknown>;
  cells: FeedCell[];
  structural: string | null;
}

const pointerToken = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** The columns of a CSV feed, from its header record; throws FeedFormatError when it cannot be read. */
export interface CsvHeader {
  names: string[];
  columns: Array<FeedColumn | null>;
}

export function csvHeader(header: CsvRecord | undefined): CsvHeader {
  if (!header?.fields) throw new FeedFormatError('feed is empty or its header row is malformed');
  const names = header.fields.map((h) => h.trim());
  const columns = names.map((h) => COLUMN_BY_KEY.get(headerKey(h)) ?? null);
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new FeedFormatError(`feed header lacks required column(s): ${missing.join(', ')}`);
  return { names, columns };
}

export function csvRow({ names, columns }: CsvHeader, rec: CsvRecord): RawRow {
  const raw: Record<string, unknown> = {};
  const values = new Map<FeedColumn, unknown>();
  const fields = rec.fields ?? [];
  fields.forEach((v, i) => {
    if (i < names.length) raw[names[i]] = v;
    else ((raw._extra ??= []) as unknown[]).push(v);
    const col = columns[i];
    if (col && i < names.length) values.set(col, v);
  });
  const structural =
    rec.error ?? (fields.length !== names.length ? `wrong column count: ${fields.length} fields, header has ${names.length}` : null);
  const cells = names.map((name, i) => ({ column: name, locator: `csv:row=${rec.row};column=${name}`, value: fields[i] }));
  return { row: rec.row, line: rec.line, raw, values, cells, structural };
}

function csvRows(content: string | Buffer): RawRow[] {
  const records = readCsvRecords(content);
  const header = csvHeader(records[0]);
  return records.slice(1).map((rec) => csvRow(header, rec));
}

/** The items of a JSON feed; throws FeedFormatError when the file is not a JSON array. */
export function jsonItems(content: string | Buffer): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse((typeof content === 'string' ? content : content.toString('utf8')).replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new FeedFormatError(`feed is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new FeedFormatError('JSON feed must be an array of listing objects');
  return data as unknown[];
}

/** Item `i` (0-based) of a JSON feed as a row. */
export function jsonRow(item: unknown, i: number): RawRow {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { row: i + 1, raw: { value: item }, values: new Map(), cells: [], structural: 'row is not a JSON object' };
  }
  const raw = item as Record<string, unknown>;
  const values = new Map<FeedColumn, unknown>();
  for (const [k, v] of Object.entries(raw)) {
    const col = COLUMN_BY_KEY.get(headerKey(k));
    if (col) values.set(col, v);
  }
  const cells = Object.entries(raw).map(([k, v]) => ({ column: k, locator: `/${i}/${pointerToken(k)}`, value: v }));
  return { row: i + 1, raw, values, cells, structural: null };
}

/** Reads one row into a listing, or the list of problems that keep it out. */
function toListing(
  values: Map<FeedColumn, unknown>,
  now: Date,
): { listing: ListingInput; derived: DerivedField[] } | { problems: string[] } {
  const problems: string[] = [];
  const text = new Map<FeedColumn, string>();
  const numeric = new Map<FeedColumn, number>();
  for (const [col, v] of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' && Number.isFinite(v)) {
      numeric.set(col, v);
      text.set(col, String(v));
      continue;
    }
    if (typeof v !== 'string') {
      problems.push(`${col}: ${JSON.stringify(v)?.slice(0, 40)} is not a text or number value`);
      continue;
    }
    const limit = MAX_LENGTH[col] ?? DEFAULT_MAX_LENGTH;
    if (v.length > limit) {
      problems.push(`${col}: ${v.length} characters exceeds the ${limit} limit`);
      continue;
    }
    // Free text is cleaned (and the listing flagged) by the pipeline; identifiers, codes and numbers
    // with control characters are not what they look like and are refused.
    if (hasControlChars(v) && !FREE_TEXT.has(col)) {
      problems.push(`${col}: contains control characters`);
      continue;
    }
    const t = col === 'description' ? v.trim() : collapseSpaces(v);
    if (t !== '') text.set(col, t);
  }
  const missing = REQUIRED.filter((c) => !text.has(c) && !problems.some((p) => p.startsWith(`${c}:`)));
  if (missing.length > 0) problems.unshift(`missing required field(s): ${missing.join(', ')}`);
  const num = (c: FeedColumn): string | number => numeric.get(c) ?? text.get(c)!;
  const take = <T>(c: FeedColumn, f: (field: string, raw: string | number) => Parsed<T>): T | null => {
    if (!text.has(c)) return null;
    const r = f(c, num(c));
    if (r.ok) return r.value;
    problems.push(r.problem);
    return null;
  };

  const sourceText = text.get('source');
  const source = sourceText === undefined ? '' : normalizeSource(sourceText);
  if (sourceText !== undefined && source === '') problems.push(`source: ${JSON.stringify(sourceText)} has no letters or digits`);
  const year = take('year', (f, r) => parseModelYear(f, r, now));
  const currentBidCents = take('current_bid', parseMoneyCents);
  const auctionEndsAt = take('auction_end', (f, r) => parseIsoDate(f, String(r)));
  const state = take('state', (f, r) => parseStateCode(f, String(r)));
  let mileage = take('mileage', parseMileage);
  const docFeeCents = take('doc_fee', parseMoneyCents);
  const buyerPremiumPct = take('buyer_premium_pct', (f, r) => {
    const m = /^(-?\d+(?:\.\d+)?)\s*%?$/.exec(String(r).trim());
    if (!m) return { ok: false, problem: `${f}: ${JSON.stringify(String(r))} is not a percentage` };
    const pct = Number(m[1]);
    return pct < 0 || pct > 50 ? { ok: false, problem: `${f}: ${pct} is outside 0–50 %` } : { ok: true, value: pct };
  });
  let zip = text.get('zip') ?? null;
  if (zip !== null) {
    // Spreadsheets strip the leading zeros of New England and New Jersey ZIP codes.
    if (/^\d{3,4}$/.test(zip)) zip = zip.padStart(5, '0');
    const m = /^(\d{5})(?:-?\d{4})?$/.exec(zip);
    if (m) zip = m[1]!;
    else {
      problems.push(`zip: ${JSON.stringify(zip)} is not a US ZIP code`);
      zip = null;
    }
  }
  const listingUrl = text.get('listing_url') ?? null;
  if (listingUrl !== null) {
    // Dealer pages render this as a link, so javascript: and data: URLs must never pass.
    let protocol = '';
    try {
      protocol = new URL(listingUrl).protocol;
    } catch {
      /* reported below */
    }
    if (protocol !== 'http:' && protocol !== 'https:')
      problems.push(`listing_url: ${JSON.stringify(listingUrl.slice(0, 40))} is not an http(s) URL`);
  }
  if (problems.length > 0) return { problems };

  const derived: DerivedField[] = [];
  const description = text.get('description') ?? null;
  let vin = normalizeVin(text.get('vin'));
  if (vin === null && description) {
    vin = extractVin(description);
    if (vin) derived.push('vin');
  }
  if (mileage === null && description) {
    mileage = extractMileage(description);
    if (mileage !== null) derived.push('mileage');
  }
  const make = text.get('make')!;
  const model = text.get('model')!;
  const trim = text.get('trim') ?? null;
  let title = text.get('title');
  if (title === undefined) {
    title = [year, make, model, trim].filter((p) => p !== null).join(' ');
    derived.push('title');
  }
  return {
    derived,
    listing: {
      source,
      lotId: text.get('lot_id')!,
      title,
      year: year!,
      make,
      model,
      trim,
      vin,
      mileage,
      currentBidCents: currentBidCents!,
      auctionEndsAt: auctionEndsAt!,
      city: text.get('city') ?? null,
      state: state!,
      zip,
      listingUrl,
      titleStatus: normalizeTitleStatus(text.get('title_status') ?? null),
      description,
      buyerPremiumPct,
      docFeeCents,
    },
  };
}

/**
 * Parses a listing feed. Row numbers: CSV rows are counted as a spreadsheet shows them, the
 * header being row 1 and the first listing row 2 (`line` gives the physical line when quoted
 * newlines make them differ); JSON rows are 1-based array positions. Throws FeedFormatError
 * when the file as a whole cannot be read (the CLI's exit code 1).
 */
export function parseListingFeed(content: string | Buffer, format: FeedFormat, opts: FeedParseOptions): FeedParseResult {
  const rows = format === 'csv' ? csvRows(content) : jsonItems(content).map(jsonRow);
  const rejected: RejectedRow[] = [];
  const superseded: SupersededRow[] = [];
  const byLot = new Map<string, AcceptedListing>();
  for (const r of rows) {
    const read = readFeedRow(r, opts.now);
    if ('reason' in read) {
      rejected.push(read);
      continue;
    }
    // A rejected row never displaces an earlier good one; a later good row does.
    const key = feedRowKey(read.listing);
    const earlier = byLot.get(key);
    if (earlier) superseded.push({ source: read.listing.source, lotId: read.listing.lotId, row: earlier.row, supersededBy: r.row });
    byLot.delete(key);
    byLot.set(key, read);
  }
  const accepted = [...byLot.values()].sort((a, b) => a.row - b.row);
  return { accepted, rejected, superseded };
}

/** The identity a later row of the same lot replaces an earlier one by. */
export const feedRowKey = (l: Pick<ListingInput, 'source' | 'lotId'>): string => `${l.source}\u0000${l.lotId}`;

/** One row read: the listing it holds, or why it is rejected. */
export function readFeedRow(r: RawRow, now: Date): AcceptedListing | RejectedRow {
  const str = (c: FeedColumn): string | null => {
    const v = r.values.get(c);
    return typeof v === 'string' || typeof v === 'number' ? collapseSpaces(String(v)).slice(0, 200) || null : null;
  };
  const reject = (reason: string): RejectedRow => {
    const src = str('source');
    return {
      row: r.row,
      ...(r.line !== undefined ? { line: r.line } : {}),
      lotId: str('lot_id'),
      source: src === null ? null : normalizeSource(src) || src,
      reason,
      raw: r.raw,
    };
  };
  if (r.structural) return reject(r.structural);
  const result = toListing(r.values, now);
  if ('problems' in result) return reject(result.problems.join('; '));
  return { row: r.row, listing: result.listing, derived: result.derived, cells: r.cells };
}
