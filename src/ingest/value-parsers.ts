// Value parsers shared by the listing-feed reader, the comps-file reader and the source adapters.
// Each returns the value or a problem sentence naming the field and the offending value, so a
// reject reason tells the operator what to fix.
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
    // As the text form "5000.999" is refused, so is the number: rounding it would store an amount
    // the feed did not give. The tolerance absorbs binary fractions (4250.1 × 100 = 425010.00000000006).
    if (Math.abs(Math.abs(raw) * 100 - cents) > 1e-6 + 1e-9 * cents) return bad(`${field}: ${raw} has a fraction of a cent`);
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
// The time of day and its zone, in the extended (10:00:00) or basic (100000) form.
const TIME = String.raw`(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$`;
// The three ways ISO 8601 writes a day, each extended (2026-12-05) or basic (20261205): calendar
// dates, week dates (2026-W49-6, Saturday of week 49) and ordinal dates (2026-339).
const CALENDAR = new RegExp(String.raw`^(\d{4})-?(\d{2})-?(\d{2})${TIME}`, 'i');
const WEEK = new RegExp(String.raw`^(\d{4})-?W(\d{2})-?([1-7])${TIME}`, 'i');
const ORDINAL = new RegExp(String.raw`^(\d{4})-?(\d{3})${TIME}`, 'i');

const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

/** The UTC midnight of an ISO week date (week 1 holds the year's first Thursday), or null past the year's last week. */
function weekDay(y: number, week: number, day: number): number | null {
  const jan1 = new Date(Date.UTC(y, 0, 1)).getUTCDay();
  // A year has 53 weeks when it starts on a Thursday, or on a Wednesday in a leap year.
  const weeks = jan1 === 4 || (jan1 === 3 && isLeap(y)) ? 53 : 52;
  if (week < 1 || week > weeks) return null;
  const jan4 = new Date(Date.UTC(y, 0, 4)).getUTCDay() || 7;
  // Monday of week 1, then whole days on: Date.UTC carries a day past the month's end over.
  return Date.UTC(y, 0, 4 - (jan4 - 1) + (week - 1) * 7 + (day - 1));
}

/** A calendar date's UTC midnight, or null when there is no such day. */
function calendarDay(y: number, month: number, d: number): number | null {
  if (month < 1 || month > 12 || d < 1 || d > DAYS_IN_MONTH[month - 1]!) return null;
  if (month === 2 && d === 29 && !isLeap(y)) return null;
  return Date.UTC(y, month - 1, d);
}

/** An ordinal date's UTC midnight (day 1 is 1 January), or null past the year's last day. */
function ordinalDay(y: number, n: number): number | null {
  return n >= 1 && n <= (isLeap(y) ? 366 : 365) ? Date.UTC(y, 0, n) : null;
}

// Each form, with how many groups its date takes before the time's five.
const FORMS: ReadonlyArray<{ re: RegExp; groups: number; day: (g: number[]) => number | null }> = [
  { re: CALENDAR, groups: 3, day: ([y, mo, d]) => calendarDay(y!, mo!, d!) },
  { re: WEEK, groups: 3, day: ([y, w, d]) => weekDay(y!, w!, d!) },
  { re: ORDINAL, groups: 2, day: ([y, n]) => ordinalDay(y!, n!) },
];

/** An ISO 8601 value read: the instant, and whether it gave a time of day and a zone. */
export interface IsoDateTime {
  /** The instant; for a date alone, that day's midnight UTC. */
  value: Date;
  dateOnly: boolean;
  zoned: boolean;
}

/**
 * Any ISO 8601 date or date-time: calendar, week or ordinal dates, extended or basic. A time
 * without an offset is read as UTC rather than the server's zone, so the same file means the
 * same instant on every machine; `zoned` says whether it had one.
 */
export function readIsoDateTime(field: string, raw: string): Parsed<IsoDateTime> {
  const t = raw.trim();
  // Built only when the value fails: nearly every value of a feed reads.
  const fail = () => bad(`${field}: ${show(t)} is not an ISO-8601 date`);
  let m: RegExpExecArray | null = null;
  let day: number | null = null;
  let timeAt = 0;
  for (const form of FORMS) {
    m = form.re.exec(t);
    if (!m) continue;
    day = form.day(m.slice(1, 1 + form.groups).map(Number));
    timeAt = 1 + form.groups;
    break;
  }
  if (!m || day === null) return fail();
  const [h, mi, s] = [m[timeAt], m[timeAt + 1], m[timeAt + 2]].map((v) => (v === undefined ? 0 : Number(v))) as [number, number, number];
  const fraction = m[timeAt + 3];
  const z = m[timeAt + 4];
  if (h > 23 || mi > 59 || s > 59) return fail();
  const ms = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
  let offsetMin = 0;
  if (z && z.toUpperCase() !== 'Z') {
    const digits = z.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (om > 59) return fail();
    offsetMin = (z[0] === '-' ? -1 : 1) * (oh * 60 + om);
    // Clocks run from UTC−12:00 (Baker Island) to UTC+14:00 (Line Islands): +14:30 is a typo.
    if (offsetMin > 14 * 60 || offsetMin < -12 * 60) return fail();
  }
  const instant = day + ((h * 60 + mi) * 60 + s) * 1000 + ms - offsetMin * 60_000;
  return ok({ value: new Date(instant), dateOnly: m[timeAt] === undefined, zoned: z !== undefined });
}

/** ISO 8601 date or date-time as an instant (readIsoDateTime). */
export function parseIsoDate(field: string, raw: string): Parsed<Date> {
  const r = readIsoDateTime(field, raw);
  return r.ok ? ok(r.value.value) : r;
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

// Whitespace other than a plain space, two spaces, or a space at either end: what collapsing changes.
const UNCOLLAPSED = /[^\S ]| {2}|^ | $/;
export function collapseSpaces(s: string): string {
  // Nearly every cell is already collapsed: testing first skips building a copy (half the time).
  return UNCOLLAPSED.test(s) ? s.replace(/\s+/g, ' ').trim() : s;
}

// C0 controls other than tab/newline/CR, and DEL: no legitimate listing text carries them.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
export function hasControlChars(s: string): boolean {
  return CONTROL.test(s);
}

/** "Buyers Premium of 10% … $1 minimum" and friends → 10; null when the text states none. */
export function buyerPremiumFromText(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = /buyer'?s?\s*'?\s*premium[^%\d]{0,40}?(\d{1,2}(?:\.\d{1,2})?)\s*%/i.exec(text);
  if (!m) return null;
  const pct = Number(m[1]);
  return pct >= 0 && pct <= 50 ? pct : null;
}
