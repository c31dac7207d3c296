// VIN rules for North American 17-character VINs (49 CFR 565): alphabet, check digit,
// model-year decode, and lenient extraction from free-text auction descriptions.

const VIN_CHAR = /^[A-HJ-NPR-Z0-9]$/;
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2] as const;
const LETTER_VALUES: Record<string, number> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};
// Position-10 year codes in cycle order; I, O, Q, U, Z and 0 are never used there.
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';

/** Trims and upper-cases; blank input becomes null. Malformed VINs are kept as given. */
export function normalizeVin(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  const s = String(raw).trim().toUpperCase();
  return s === '' ? null : s;
}

function transliterate(ch: string): number | null {
  if (ch >= '0' && ch <= '9') return ch.charCodeAt(0) - 48;
  return LETTER_VALUES[ch] ?? null;
}

/** The check character (0–9 or X) the other 16 characters call for, or null if any is invalid. */
export function computeCheckDigit(vin: string): string | null {
  if (vin.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = transliterate(vin[i]!);
    if (v === null) return null;
    sum += v * WEIGHTS[i]!;
  }
  const r = sum % 11;
  return r === 10 ? 'X' : String(r);
}

export function vinCheckDigitValid(vin: string): boolean {
  const upper = vin.toUpperCase();
  if (upper.length !== 17 || [...upper].some((c) => !VIN_CHAR.test(c))) return false;
  return computeCheckDigit(upper) === upper[8];
}

/** Every rule the VIN breaks, as human-readable sentences; empty when the VIN is valid. */
export function vinProblems(vin: string): string[] {
  const problems: string[] = [];
  const upper = vin.toUpperCase();
  if (upper.length !== 17) problems.push(`length is ${upper.length}, expected 17`);
  const bad = [...new Set([...upper].filter((c) => !VIN_CHAR.test(c)))];
  if (bad.length > 0) {
    problems.push(`contains characters not allowed in a VIN: ${bad.map((c) => JSON.stringify(c)).join(', ')}`);
  }
  if (problems.length === 0) {
    const expected = computeCheckDigit(upper);
    if (expected !== upper[8]) problems.push(`check digit is ${upper[8]}, expected ${expected}`);
  }
  return problems;
}

/**
 * Model year from position 10. The code repeats every 30 years, so the candidate nearest
 * `hintYear` wins (a listing's stated year, or the current year). Without a hint, the
 * regulation's own disambiguation applies: a letter in position 7 means 2010 or later.
 */
export function vinModelYear(vin: string, hintYear?: number): number | null {
  const upper = vin.toUpperCase();
  if (upper.length !== 17) return null;
  const idx = YEAR_CODES.indexOf(upper[9]!);
  if (idx < 0) return null;
  const base = 1980 + idx;
  const candidates = [base, base + 30, base + 60];
  if (hintYear !== undefined && Number.isFinite(hintYear)) {
    let best = candidates[0]!;
    for (const c of candidates) if (Math.abs(c - hintYear) < Math.abs(best - hintYear)) best = c;
    return best;
  }
  const p7 = upper[6]!;
  return p7 >= '0' && p7 <= '9' ? base : base + 30;
}

const VIN_TOKEN = /(?<![A-Z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Z0-9])/g;

/**
 * The first check-digit-valid VIN in free text. Only valid ones count: descriptions are full
 * of 17-character part numbers and asset tags, and a wrong VIN is worse than none.
 */
export function extractVin(text: string | null | undefined): string | null {
  if (!text) return null;
  const upper = text.toUpperCase();
  for (const m of upper.matchAll(VIN_TOKEN)) {
    if (vinCheckDigitValid(m[0])) return m[0];
  }
  return null;
}

const NUM = String.raw`(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(k\b)?`;
const MILEAGE_PATTERNS: RegExp[] = [
  // "Odometer: 123,456", "Odometer reads 87k", "Mileage 45,210", "Miles: 98000"
  new RegExp(
    String.raw`\b(?:odometer|odo|mileage|miles)\b(?:\s*(?:reading|reads|shows|is|of|approx\.?|approximately|~))*\s*[:=#-]?\s*${NUM}`,
    'i',
  ),
  // "87k miles", "123,456 mi", "45000 actual miles" — but not a distance ("within 50 miles of
  // Austin"), a part's wear ("5,000 miles on them", "on the tires") or an event ("3,000 miles ago").
  new RegExp(
    String.raw`(?<!\b(?:within|every|last|next|up\s+to|about\s+every)\s+)${NUM}\s*(?:actual\s+|indicated\s+|original\s+)?(?:miles|mi)\b` +
      String.raw`(?!\s*(?:per|away|from|radius|ago|since|left|remaining|until|of\b|to\s+go|on\s+(?:them|the\s+(?:tires|engine|motor|transmission|battery|brakes|rebuild)|new)))`,
    'i',
  ),
];
const MAX_PLAUSIBLE_MILES = 2_000_000;

/** Odometer reading mentioned in free text, as an integer number of miles, or null. */
export function extractMileage(text: string | null | undefined): number | null {
  if (!text) return null;
  for (const re of MILEAGE_PATTERNS) {
    const m = re.exec(text);
    if (!m) continue;
    const n = Number(m[1]!.replace(/,/g, ''));
    const miles = m[2] ? n * 1000 : n;
    if (Number.isFinite(miles) && miles >= 0 && miles <= MAX_PLAUSIBLE_MILES) return Math.round(miles);
  }
  return null;
}
