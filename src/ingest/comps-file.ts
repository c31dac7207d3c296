// Comps files: a dealer's own sales export (one sold vehicle per row) or a market-price table
// (one aggregated make/model/year row). Same row numbering and reject shape as listing feeds.

import type { Comp } from '../opportunities/index.js';
import { normalizeVin, vinCheckDigitValid, vinModelYear, vinProblems } from '../quality/index.js';
import { headerKey, readCsvRecords } from './csv-records.js';
import type { RejectedRow } from './feed.js';
import { FeedFormatError } from './feed-rows.js';
import {
  collapseSpaces,
  hasControlChars,
  parseModelYear,
  parseMileage,
  parseMoneyCents,
  parseNonNegativeInt,
  parseStateCode,
  parseUsOrIsoDate,
  type Parsed,
} from './value-parsers.js';
import { US_STATE_CODES } from '../common/geo.js';

export type CompsFileKind = 'sale' | 'market';
/** Sale comps also carry the VIN from the export, so re-imports can be recognised. */
export type ParsedComp = Comp & { vin?: string | null };

export interface CompsParseResult {
  kind: CompsFileKind;
  accepted: Array<{ row: number; comp: ParsedComp }>;
  rejected: RejectedRow[];
}

export interface CompsParseOptions {
  now: Date;
}

const SALE_COLUMNS = [
  'vin',
  'year',
  'make',
  'model',
  'trim',
  'saleprice',
  'saledate',
  'mileage',
  'condition',
  'location',
  'state',
] as const;
const MARKET_COLUMNS = ['make', 'model', 'year', 'trim', 'avg', 'low', 'high', 'samplesize'] as const;
const SALE_REQUIRED = ['year', 'make', 'model', 'saleprice', 'saledate'];
const MARKET_REQUIRED = ['make', 'model', 'year', 'avg', 'low', 'high', 'samplesize'];
// Header spellings seen in dealer-management and pricing-guide exports.
const ALIASES: Record<string, string> = {
  price: 'saleprice',
  soldprice: 'saleprice',
  saleamount: 'saleprice',
  solddate: 'saledate',
  date: 'saledate',
  odometer: 'mileage',
  miles: 'mileage',
  average: 'avg',
  avgprice: 'avg',
  lowprice: 'low',
  highprice: 'high',
  samples: 'samplesize',
  count: 'samplesize',
  modelyear: 'year',
};
const MAX_FIELD = 200;

function label(col: string, kind: CompsFileKind): string {
  if (kind === 'market') return col === 'samplesize' ? 'sample_size' : col;
  const names: Record<string, string> = { vin: 'VIN', saleprice: 'Sale Price', saledate: 'Sale Date' };
  return names[col] ?? col.charAt(0).toUpperCase() + col.slice(1);
}

/** Parses a comps CSV; which of the two layouts it is comes from the header. */
export function parseCompsFile(content: string | Buffer, opts: CompsParseOptions): CompsParseResult {
  const records = readCsvRecords(content);
  const header = records[0];
  if (!header?.fields) throw new FeedFormatError('comps file is empty or its header row is malformed');
  const keys = header.fields.map((h) => {
    const k = headerKey(h);
    return ALIASES[k] ?? k;
  });
  const kind: CompsFileKind | null = keys.includes('saleprice') ? 'sale' : keys.includes('avg') ? 'market' : null;
  if (!kind) throw new FeedFormatError('comps file header has neither "Sale Price" (dealer sales) nor "avg" (market prices)');
  const known = new Set<string>(kind === 'sale' ? SALE_COLUMNS : MARKET_COLUMNS);
  const required = kind === 'sale' ? SALE_REQUIRED : MARKET_REQUIRED;
  const missingCols = required.filter((c) => !keys.includes(c));
  if (missingCols.length) {
    throw new FeedFormatError(`comps file header lacks required column(s): ${missingCols.map((c) => label(c, kind)).join(', ')}`);
  }

  const accepted: CompsParseResult['accepted'] = [];
  const rejected: RejectedRow[] = [];
  for (const rec of records.slice(1)) {
    const raw: Record<string, unknown> = {};
    const values = new Map<string, string>();
    (rec.fields ?? []).forEach((v, i) => {
      if (i >= header.fields!.length) {
        ((raw._extra ??= []) as unknown[]).push(v);
        return;
      }
      raw[header.fields![i]!.trim()] = v;
      if (known.has(keys[i]!)) values.set(keys[i]!, v);
    });
    const reject = (reason: string) => rejected.push({ row: rec.row, line: rec.line, lotId: null, source: null, reason, raw });
    if (rec.error) {
      reject(rec.error);
      continue;
    }
    if (rec.fields!.length !== header.fields.length) {
      reject(`wrong column count: ${rec.fields!.length} fields, header has ${header.fields.length}`);
      continue;
    }
    const result = kind === 'sale' ? toSaleComp(values, opts.now) : toMarketComp(values, opts.now);
    if (result.ok) accepted.push({ row: rec.row, comp: result.value });
    else reject(result.problem);
  }
  return { kind, accepted, rejected };
}

/** Trimmed, bounded text fields; problems for over-long or control-character values. */
function cleanFields(values: Map<string, string>, kind: CompsFileKind, problems: string[]): Map<string, string> {
  const text = new Map<string, string>();
  for (const [col, v] of values) {
    if (v.length > MAX_FIELD) {
      problems.push(`${label(col, kind)}: ${v.length} characters exceeds the ${MAX_FIELD} limit`);
      continue;
    }
    if (hasControlChars(v)) {
      problems.push(`${label(col, kind)}: contains control characters`);
      continue;
    }
    const t = collapseSpaces(v);
    if (t !== '') text.set(col, t);
  }
  return text;
}

function collect(text: Map<string, string>, kind: CompsFileKind, required: string[], problems: string[]) {
  const missing = required.filter((c) => !text.has(c) && !problems.some((p) => p.startsWith(`${label(c, kind)}:`)));
  if (missing.length) problems.unshift(`missing required field(s): ${missing.map((c) => label(c, kind)).join(', ')}`);
  return <T>(col: string, f: (field: string, raw: string) => Parsed<T>): T | null => {
    const v = text.get(col);
    if (v === undefined) return null;
    const r = f(label(col, kind), v);
    if (r.ok) return r.value;
    problems.push(r.problem);
    return null;
  };
}

function toSaleComp(values: Map<string, string>, now: Date): Parsed<ParsedComp> {
  const problems: string[] = [];
  const text = cleanFields(values, 'sale', problems);
  const vin = normalizeVin(text.get('vin'));
  // A VIN the listing contract would quarantine (I, O or Q, a wrong length or check digit) is a
  // typo in the export: the sale is refused naming it, not kept under a VIN no vehicle has.
  const vinIssues = vin ? vinProblems(vin) : [];
  if (vinIssues.length) problems.push(`VIN: ${JSON.stringify(vin)} ${vinIssues.join('; ')}`);
  // A dealer export with a blank year but a good VIN still tells us the model year.
  if (!text.has('year') && vin && vinCheckDigitValid(vin)) {
    const y = vinModelYear(vin, now.getUTCFullYear());
    if (y !== null && y <= now.getUTCFullYear() + 1) text.set('year', String(y));
  }
  const take = collect(text, 'sale', SALE_REQUIRED, problems);
  const year = take('year', (f, r) => parseModelYear(f, r, now));
  const priceCents = take('saleprice', parseMoneyCents);
  if (priceCents === 0) problems.push('Sale Price: 0 is not a sale');
  const saleDate = take('saledate', parseUsOrIsoDate);
  if (saleDate && saleDate.getTime() > now.getTime()) problems.push(`Sale Date: ${text.get('saledate')} is in the future`);
  const mileage = take('mileage', parseMileage);
  let state = take('state', parseStateCode);
  if (state === null && !text.has('state')) {
    // "Austin, TX" style locations carry the state when the export has no State column.
    const m = /,\s*([A-Za-z]{2})(?:\s+\d{5}(?:-\d{4})?)?$/.exec(text.get('location') ?? '');
    if (m && US_STATE_CODES.has(m[1]!.toUpperCase())) state = m[1]!.toUpperCase();
  }
  if (problems.length) return { ok: false, problem: problems.join('; ') };
  return {
    ok: true,
    value: {
      kind: 'sale',
      make: text.get('make')!,
      model: text.get('model')!,
      year: year!,
      trim: text.get('trim') ?? null,
      mileage,
      priceCents: priceCents!,
      saleDate: saleDate!,
      state,
      vin,
    },
  };
}

function toMarketComp(values: Map<string, string>, now: Date): Parsed<ParsedComp> {
  const problems: string[] = [];
  const text = cleanFields(values, 'market', problems);
  const take = collect(text, 'market', MARKET_REQUIRED, problems);
  const year = take('year', (f, r) => parseModelYear(f, r, now));
  const avgCents = take('avg', parseMoneyCents);
  const lowCents = take('low', parseMoneyCents);
  const highCents = take('high', parseMoneyCents);
  const sampleSize = take('samplesize', parseNonNegativeInt);
  if (avgCents === 0) problems.push('avg: 0 is not a market price');
  if (sampleSize === 0) problems.push('sample_size: 0 means no market data');
  if (avgCents !== null && lowCents !== null && highCents !== null && !(lowCents <= avgCents && avgCents <= highCents)) {
    problems.push(`low/avg/high: ${text.get('low')} ≤ ${text.get('avg')} ≤ ${text.get('high')} does not hold`);
  }
  if (problems.length) return { ok: false, problem: problems.join('; ') };
  return {
    ok: true,
    value: {
      kind: 'market',
      make: text.get('make')!,
      model: text.get('model')!,
      year: year!,
      trim: text.get('trim') ?? null,
      avgCents: avgCents!,
      lowCents: lowCents!,
      highCents: highCents!,
      sampleSize: sampleSize!,
    },
  };
}
