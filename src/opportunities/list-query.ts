// Parses the /api/opportunities query string. Strict mode (ENABLE_INPUT_VALIDATION) answers 400
// naming every offending field; lenient mode is the v4 behaviour: clamp what can be clamped,
// ignore what cannot be understood. Either way only typed values reach the database.
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { MAX_PAGE, MONEY_BOUND, ROI_BOUND, SORTS, STATUSES } from './api-schema.js';
import { US_STATE_CODES } from '../common/geo.js';
import { normalizeSource } from '../common/source-names.js';

export type Sort = (typeof SORTS)[number];
export type Status = (typeof STATUSES)[number];

export interface ListFilters {
  state?: string;
  makeKey?: string;
  modelKey?: string;
  source?: string;
  status?: Status;
  minProfitCents?: number;
  minRoiBp?: number;
  maxRisk?: number;
  yearMin?: number;
  yearMax?: number;
  endsBeforeMs?: number;
  minHeadroomCents?: number;
  /** includeFlagged=false: only opportunities without an open anomaly or quality flag (rank tier 0). */
  unflaggedOnly?: true;
}

export interface ListQuery {
  /** Which pagination the client asked for; null when it named neither. */
  mode: 'page' | 'cursor' | null;
  page: number;
  /** '' asks for the first page. */
  cursor: string | null;
  limit: number;
  sort: Sort;
  filters: ListFilters;
}

export interface FieldError {
  field: string;
  message: string;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;
const KNOWN = new Set([
  'page',
  'cursor',
  'limit',
  'sort',
  'state',
  'make',
  'model',
  'source',
  'status',
  'minProfit',
  'minRoi',
  'maxRisk',
  'yearMin',
  'yearMax',
  'endsBefore',
  'minHeadroom',
  'includeFlagged',
]);

/** Lower-cased, whitespace-collapsed key used for make/model matching everywhere. */
export const matchKey = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();

const validates = (format: unknown, text: string): boolean =>
  typeof format === 'function'
    ? Boolean((format as (t: string) => unknown)(text))
    : Boolean((format as { validate(t: string): boolean }).validate(text));

/**
 * Epoch ms of a date-time or date that exists on the calendar (2026-02-30 does not, and
 * Date.parse would roll it over to March 2). Strict: RFC 3339 with a time zone, or a full date;
 * lenient (v4): anything Date.parse reads whose date part is a real day.
 */
function instant(text: string, strict: boolean): number | null {
  const date = /^(\d{4}-\d{2}-\d{2})/.exec(text)?.[1];
  if (date === undefined || !validates(fullFormats.date, date)) return null;
  if (strict && !validates(fullFormats['date-time'], text) && !validates(fullFormats.date, text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

// Rounded to a millionth first, so 0.07 * 100 = 7.000000000000001 stays 7.
const integerAtLeast = (x: number) => Math.ceil(Math.round(x * 1e6) / 1e6);
const integerAtMost = (x: number) => Math.floor(Math.round(x * 1e6) / 1e6);

const isNum = (s: string) => /^-?\d+(\.\d+)?$/.test(s.trim());
const isInt = (s: string) => /^-?\d+$/.test(s.trim());

export function parseListQuery(
  raw: Record<string, unknown>,
  strict: boolean,
): { ok: true; query: ListQuery } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  const q: ListQuery = { mode: null, page: 1, cursor: null, limit: DEFAULT_LIMIT, sort: 'newest', filters: {} };
  const f = q.filters;

  const value = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) {
      if (strict) {
        fail(key, 'must be given once');
        return undefined;
      }
      return typeof v[0] === 'string' ? v[0] : undefined;
    }
    return typeof v === 'string' ? v : undefined;
  };

  if (strict) {
    for (const key of Object.keys(raw)) if (!KNOWN.has(key)) fail(key, 'unknown query parameter');
  }

  const page = value('page');
  const cursor = value('cursor');
  if (page !== undefined && cursor !== undefined) {
    if (strict) fail('page', 'page and cursor cannot be combined');
    else q.mode = 'cursor';
  }
  if (page !== undefined && q.mode === null) {
    q.mode = 'page';
    if (isInt(page) && Number(page) >= 1 && Number(page) <= MAX_PAGE) q.page = Number(page);
    else if (strict) fail('page', `must be an integer 1–${MAX_PAGE}`);
    else q.page = isNum(page) ? Math.min(MAX_PAGE, Math.max(1, Math.trunc(Number(page)))) : 1;
  }
  if (cursor !== undefined && errors.length === 0 && (q.mode === null || q.mode === 'cursor')) {
    q.mode = 'cursor';
    if (cursor.length > 2048) {
      if (strict) fail('cursor', 'is too long');
      q.cursor = '';
    } else q.cursor = cursor;
  }

  const limit = value('limit');
  if (limit !== undefined) {
    if (isInt(limit) && Number(limit) >= 1 && Number(limit) <= MAX_LIMIT) q.limit = Number(limit);
    else if (strict) fail('limit', `must be an integer 1–${MAX_LIMIT}`);
    else if (isNum(limit)) q.limit = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(Number(limit))));
  }

  const sort = value('sort');
  if (sort !== undefined) {
    if ((SORTS as readonly string[]).includes(sort)) q.sort = sort as Sort;
    else if (strict) fail('sort', `must be one of ${SORTS.join(', ')}`);
  }

  const state = value('state');
  if (state !== undefined) {
    const code = state.trim().toUpperCase();
    // Strict: a code no listing can carry (the import refuses it) is a typo, not an empty market.
    if (strict && !US_STATE_CODES.has(code)) fail('state', `${JSON.stringify(state)} is not a US state, DC or territory code`);
    else if (/^[A-Z]{2}$/.test(code)) f.state = code;
    else f.state = '??'; // lenient: an unreadable state matches nothing rather than everything
  }

  for (const [key, target] of [
    ['make', 'makeKey'],
    ['model', 'modelKey'],
    ['source', 'source'],
  ] as const) {
    const v = value(key);
    if (v === undefined) continue;
    // Control characters never match a stored value, and PostgreSQL refuses NUL in text.
    if (v.trim().length === 0 || v.length > 64 || /[\u0000-\u001f\u007f]/.test(v)) {
      if (strict) fail(key, 'must be 1–64 printable characters');
      continue;
    }
    f[target] = matchKey(v);
  }
  // "GSA Auctions" finds what feeds stored as gsa, as the import reads it.
  if (f.source !== undefined) f.source = normalizeSource(f.source);

  const status = value('status');
  if (status !== undefined) {
    if ((STATUSES as readonly string[]).includes(status)) f.status = status as Status;
    else if (strict) fail('status', `must be one of ${STATUSES.join(', ')}`);
  }

  const num = (key: string, min: number, max: number, int: boolean): number | undefined => {
    const v = value(key);
    if (v === undefined) return undefined;
    const ok = int ? isInt(v) : isNum(v);
    const n = Number(v);
    if (ok && n >= min && n <= max) return n;
    if (strict) fail(key, `must be ${int ? 'an integer' : 'a number'} ${min}–${max}`);
    else if (ok) return Math.min(max, Math.max(min, n));
    return undefined;
  };
  // The columns hold integers (cents, basis points, risk 0–100), so a fractional bound becomes the
  // integer bound that selects the same rows; PostgreSQL rejects a fraction for an integer column.
  const minProfit = num('minProfit', -MONEY_BOUND, MONEY_BOUND, false);
  if (minProfit !== undefined) f.minProfitCents = integerAtLeast(minProfit * 100);
  const minRoi = num('minRoi', -ROI_BOUND, ROI_BOUND, false);
  if (minRoi !== undefined) f.minRoiBp = integerAtLeast(minRoi * 100);
  const minHeadroom = num('minHeadroom', -MONEY_BOUND, MONEY_BOUND, false);
  if (minHeadroom !== undefined) f.minHeadroomCents = integerAtLeast(minHeadroom * 100);
  const maxRisk = num('maxRisk', 0, 100, false);
  if (maxRisk !== undefined) f.maxRisk = integerAtMost(maxRisk);
  const yearMin = num('yearMin', 1900, 2100, true);
  const yearMax = num('yearMax', 1900, 2100, true);
  if (yearMin !== undefined) f.yearMin = yearMin;
  if (yearMax !== undefined) f.yearMax = yearMax;
  if (strict && yearMin !== undefined && yearMax !== undefined && yearMin > yearMax) fail('yearMin', 'must not exceed yearMax');

  const endsBefore = value('endsBefore');
  if (endsBefore !== undefined) {
    const ms = instant(endsBefore, strict);
    if (ms !== null) f.endsBeforeMs = ms;
    else if (strict) fail('endsBefore', 'must be an RFC 3339 date-time (e.g. 2026-03-01T00:00:00Z) or date on the calendar');
  }

  // Flagged opportunities are listed by default, after every unflagged one; false leaves them out.
  const includeFlagged = value('includeFlagged');
  if (includeFlagged === 'false') f.unflaggedOnly = true;
  else if (includeFlagged !== undefined && includeFlagged !== 'true' && strict) fail('includeFlagged', 'must be true or false');

  return errors.length ? { ok: false, errors } : { ok: true, query: q };
}
