// Listing-feed reader: one row per auction lot; good rows land, bad rows are reported with their
// row number and reason. Its columns are in feed-columns.ts, the value parsers (shared with the
// comps-file reader and the adapters) in value-parsers.ts, the CSV reader in csv-records.ts, and
// a CSV record or JSON item as a row (with the format error) in feed-rows.ts.
import type { ListingInput } from '../opportunities/index.js';
import { extractMileage, extractVin, normalizeVin } from '../quality/index.js';
// Source names are read the same way wherever one is given (a feed row, the API's source filter).
import { normalizeSource } from '../common/source-names.js';
import { endOfLocalDay, lotZone } from './sources/local-time.js';
import {
  DEFAULT_MAX_LENGTH,
  FREE_TEXT,
  MAX_LENGTH,
  normalizeTitleStatus,
  KEPT_FIELDS,
  REQUIRED,
  type FeedColumn,
  type KeptField,
} from './feed-columns.js';
import { csvRows, jsonItems, jsonRow, type FeedCell, type RawRow } from './feed-rows.js';
import {
  buyerPremiumFromText,
  collapseSpaces,
  hasControlChars,
  readIsoDateTime,
  parseMileage,
  parseModelYear,
  parseMoneyCents,
  parseStateCode,
  type Parsed,
} from './value-parsers.js';

export type FeedFormat = 'csv' | 'json';
export type DerivedField = 'title' | 'vin' | 'mileage' | 'buyerPremiumPct';

export interface AcceptedListing {
  row: number;
  listing: ListingInput;
  /** Fields filled from other fields (provenance method "derived"). */
  derived: DerivedField[];
  /**
   * Optional fields the row says nothing about: the file has no such column (a JSON row, no such
   * key). An update keeps what is stored for them (kept-fields.ts); a blank cell is a value.
   */
  absent?: KeptField[];
  /** Fields read with an assumption (a date-only auction end placed in a time zone): provenance says it. */
  assumed?: AssumedFields;
  /**
   * The row's cells as read (column name as written, locator, value); provenance points at them.
   * Built when asked: a streamed import reads every row twice and wants them only the second time.
   */
  cells: () => FeedCell[];
  /** One of those cells by its column's header key (RawRow.cell). */
  cell: (key: string) => FeedCell | undefined;
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

export function detectFeedFormat(filename: string, content: string | Buffer): FeedFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  if (ext === 'json') return 'json';
  if (ext === 'csv') return 'csv';
  const head = (typeof content === 'string' ? content : content.subarray(0, 64).toString('utf8')).replace(/^\uFEFF/, '').trimStart();
  return head.startsWith('[') || head.startsWith('{') ? 'json' : 'csv';
}

export type AssumedFields = Partial<Record<'auctionEndsAt', string>>;

/**
 * An auction end as a feed gives it. A time needs its zone: read as UTC, 14:24 in Florida would
 * end the lot five hours early, so a zoneless time refuses the row. A date alone is that day's
 * close (23:59:59) where the lot sits, as GSA means its dates, and the assumption is recorded.
 */
function readAuctionEnd(field: string, raw: string, zip: string | null, state: string | null, assumed: AssumedFields): Parsed<Date> {
  const t = raw.trim();
  const parsed = readIsoDateTime(field, t);
  if (!parsed.ok) return parsed;
  const { value, dateOnly, zoned } = parsed.value;
  if (!dateOnly) {
    if (!zoned)
      return { ok: false, problem: `${field}: ${JSON.stringify(t)} has a time but no time zone; add Z or an offset such as -05:00` };
    return { ok: true, value };
  }
  const zone = lotZone(zip, state);
  if (!zone)
    return {
      ok: false,
      problem: `${field}: ${JSON.stringify(t)} is a date without a time, and the lot has no state to place it in a time zone`,
    };
  assumed.auctionEndsAt = `${t} is a date without a time: taken as the end of that day (23:59:59) in ${zone.zone}; ${zone.note}`;
  return { ok: true, value: new Date(endOfLocalDay(zone.zone, value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate())) };
}

/** Reads one row into a listing, or the list of problems that keep it out. */
function toListing(
  values: Map<FeedColumn, unknown>,
  now: Date,
): { listing: ListingInput; derived: DerivedField[]; assumed?: AssumedFields } | { problems: string[] } {
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
  // After state and ZIP: a date without a time is placed in the lot's own time zone.
  const assumed: AssumedFields = {};
  const auctionEndsAt = take('auction_end', (f, r) => readAuctionEnd(f, String(r), zip, state, assumed));
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
  // A premium the listing states in its text wins over the source's table, as on the site itself
  // (PublicSurplus agencies write "Buyers Premium of 15% … $1 minimum" there).
  let premiumPct = buyerPremiumPct;
  if (premiumPct === null && description) {
    premiumPct = buyerPremiumFromText(description);
    if (premiumPct !== null) derived.push('buyerPremiumPct');
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
    ...(Object.keys(assumed).length ? { assumed } : {}),
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
      buyerPremiumPct: premiumPct,
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
      raw: r.raw(),
    };
  };
  if (r.structural) return reject(r.structural);
  const result = toListing(r.values, now);
  if ('problems' in result) return reject(result.problems.join('; '));
  const absent = KEPT_FIELDS.filter(([field, column]) => !r.values.has(column) && !result.derived.includes(field as DerivedField)).map(
    ([field]) => field,
  );
  return {
    row: r.row,
    listing: result.listing,
    derived: result.derived,
    cells: r.cells,
    cell: r.cell,
    ...(absent.length ? { absent } : {}),
    ...(result.assumed ? { assumed: result.assumed } : {}),
  };
}
