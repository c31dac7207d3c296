// Turns the raw values an adapter located on a page into a validated listing plus its origin
// record, or a reject that names every problem. Validation reuses the feed reader's parsers so
// a scraped lot and an uploaded row obey the same rules.
import type { ListingInput } from '../../opportunities/index.js';
import { normalizeVin } from '../../quality/index.js';
import { normalizeTitleStatus } from '../feed-columns.js';
import {
  collapseSpaces,
  parseIsoDate,
  parseMileage,
  parseModelYear,
  parseMoneyCents,
  parseStateCode,
  type Parsed,
} from '../value-parsers.js';
import type { ListingBatch, ListingOrigin, RejectedRow } from '../import-service.js';

type Field = keyof ListingInput;
type Method = 'extracted' | 'derived' | 'default' | 'imputed';

export interface Draft {
  values: Partial<Record<Field, unknown>>;
  locators: Partial<Record<Field, string>>;
  methods: Partial<Record<Field, Method>>;
  /** What the reader had to assume to produce a value (for the provenance record). */
  assumptions: Partial<Record<Field, string>>;
  /** Fields a derived or imputed value was computed from (provenance paths). */
  inputs: Partial<Record<Field, string[]>>;
  /** Problems the adapter already found (a selector missing, a value it could not read). */
  problems: string[];
  /** Set when the lot is deliberately left out (not a vehicle, already sold, a currency without a rate). */
  skip: string | null;
  /**
   * The source says the lot is no longer open (sold, closed, cancelled, withdrawn). Such a lot is
   * skipped, and a listing of it stored by an earlier run is withdrawn from the lists.
   */
  closed: boolean;
  raw: Record<string, unknown>;
}

export const newDraft = (raw: Record<string, unknown>): Draft => ({
  values: {},
  locators: {},
  methods: {},
  assumptions: {},
  inputs: {},
  problems: [],
  skip: null,
  closed: false,
  raw,
});

/** Records what a value rests on besides its locator: an assumption, and the fields it came from. */
export function assume(d: Draft, field: Field, assumption: string, inputs?: string[]): void {
  d.assumptions[field] = assumption;
  if (inputs) d.inputs[field] = inputs;
}

/** A lot the source listed that is not a candidate, with the reason (not a data error). */
export interface SkippedLot {
  row: number;
  lotId: string | null;
  /** The listing source its lot would be stored under. */
  source: string;
  reason: string;
  /** The source says the lot is no longer open (Draft.closed). */
  closed: boolean;
}

/** Records a value with where it came from; null/blank values are not recorded. */
export function put(d: Draft, field: Field, value: unknown, locator: string, method: Method = 'extracted'): void {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return;
  d.values[field] = typeof value === 'string' && field !== 'description' ? collapseSpaces(value) : value;
  d.locators[field] = locator;
  d.methods[field] = method;
}

export interface PageOrigin {
  sourceUrl: string;
  fetchedAt: Date;
  snapshotHash: string;
  extractorVersion: string;
}

const REQUIRED: Field[] = ['lotId', 'year', 'make', 'model', 'currentBidCents', 'auctionEndsAt', 'state'];

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

function parseEnd(v: unknown): Parsed<Date> {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? { ok: false, problem: 'auctionEndsAt: invalid date' } : { ok: true, value: v };
  if (typeof v === 'number')
    return Number.isFinite(v) && v > 0 ? { ok: true, value: new Date(v) } : { ok: false, problem: `auctionEndsAt: ${v} is not a time` };
  return parseIsoDate('auctionEndsAt', String(v));
}

/** Validates a draft; the listing keeps the locators and methods of the values that were used. */
export function finishDraft(
  source: string,
  row: number,
  d: Draft,
  page: PageOrigin,
  now: Date,
): ListingBatch['accepted'][number] | RejectedRow | SkippedLot {
  if (d.skip !== null) return { row, lotId: str(d.values.lotId), source, reason: d.skip, closed: d.closed };
  const problems = [...d.problems];
  const v = d.values;
  const missing = REQUIRED.filter((f) => v[f] === undefined && !problems.some((p) => p.startsWith(`${f}:`)));
  if (missing.length) problems.unshift(`missing required field(s): ${missing.join(', ')}`);
  const check = <T>(field: Field, parse: (raw: unknown) => Parsed<T>): T | null => {
    if (v[field] === undefined) return null;
    const r = parse(v[field]);
    if (r.ok) return r.value;
    problems.push(r.problem);
    return null;
  };
  const year = check('year', (r) => parseModelYear('year', typeof r === 'number' ? r : String(r), now));
  const bid = check('currentBidCents', (r) => parseMoneyCents('currentBid', typeof r === 'number' ? r : String(r)));
  const ends = check('auctionEndsAt', parseEnd);
  const state = check('state', (r) => parseStateCode('state', String(r)));
  const mileage = check('mileage', (r) => parseMileage('mileage', typeof r === 'number' ? r : String(r)));
  let zip = str(v.zip);
  if (zip !== null) {
    const m = /^(\d{5})(?:-?\d{4})?$/.exec(zip.trim());
    zip = m ? m[1] : null;
  }
  const lotId = str(v.lotId);
  if (problems.length > 0 || year === null || bid === null || ends === null || state === null || lotId === null) {
    return { row, lotId, source, reason: problems.join('; ') || 'unreadable item', raw: d.raw };
  }
  const locators = { ...d.locators };
  const methods = { ...d.methods };
  if (zip === null) {
    delete locators.zip;
    delete methods.zip;
  }
  const make = str(v.make)!;
  const model = str(v.model)!;
  let title = str(v.title);
  if (title === null) {
    title = [year, make, model].join(' ');
    locators.title = [locators.year, locators.make, locators.model].join(' + ');
    methods.title = 'derived';
  }
  const listing: ListingInput = {
    source,
    lotId,
    title,
    year,
    make,
    model,
    trim: str(v.trim),
    vin: normalizeVin(v.vin),
    mileage,
    currentBidCents: bid,
    auctionEndsAt: ends,
    city: str(v.city),
    state,
    zip,
    listingUrl: str(v.listingUrl),
    titleStatus: normalizeTitleStatus(str(v.titleStatus)),
    description: str(v.description),
    buyerPremiumPct: typeof v.buyerPremiumPct === 'number' ? v.buyerPremiumPct : null,
    docFeeCents: typeof v.docFeeCents === 'number' ? v.docFeeCents : null,
    latitude: typeof v.latitude === 'number' ? v.latitude : null,
    longitude: typeof v.longitude === 'number' ? v.longitude : null,
    sellerName: str(v.sellerName),
  };
  if (v.titleStatus === undefined) {
    locators.titleStatus = 'none';
    methods.titleStatus = 'default';
  }
  const origin: ListingOrigin = { ...page, locators, methods, assumptions: { ...d.assumptions }, inputs: { ...d.inputs } };
  return { row, listing, origin };
}

/** Sorts a finished draft into the batch (accepted or rejected) or the skipped list. */
export function fileDraft(out: ReturnType<typeof finishDraft>, batch: ListingBatch, skipped: SkippedLot[]): void {
  if ('listing' in out) batch.accepted.push(out);
  else if ('raw' in out) batch.rejected.push(out);
  else skipped.push(out);
}

/** Title brand stated in free text ("Title: Salvage", "salvage title"), or null when not stated. */
export function titleBrandFromText(text: string | null | undefined): string | null {
  if (!text) return null;
  // GSA sells with the SF-97, the federal certificate a state titles the vehicle from: a clean path.
  if (/\bSF[\s-]?97\b/i.test(text)) return 'SF-97';
  const m =
    /\btitle(?:\s+status)?\s*[:-]\s*([a-z][a-z -]{2,30})/i.exec(text) ??
    /\b(clean|clear|salvage|rebuilt|flood|lemon)\s+title\b/i.exec(text);
  return m ? m[1].trim() : null;
}
