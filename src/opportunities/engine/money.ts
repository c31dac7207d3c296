// Money helpers. Every money step in the engine rounds to whole cents, half away from zero,
// so a figure can be re-derived by hand from the inputs and the config.

/**
 * Round half away from zero. Float products such as 0.6 × 12345 land a hair below/above .5;
 * anything within 1e-7 of a half is treated as an exact half so hand arithmetic agrees.
 */
export function roundHalfAway(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`cannot round ${x}`);
  const a = Math.abs(x);
  const floor = Math.floor(a);
  const frac = a - floor;
  const r = Math.abs(frac - 0.5) < 1e-7 ? floor + 1 : Math.round(a);
  return x < 0 ? -r : r;
}

/** cents × pct / 100 with exact integer arithmetic when pct has at most two decimals. */
export function percentOf(cents: number, pct: number): number {
  const bp = roundHalfAway(pct * 100);
  if (Math.abs(bp - pct * 100) > 1e-9) return roundHalfAway((cents * pct) / 100);
  const num = cents * bp;
  const q = Math.trunc(num / 10000);
  const rem = Math.abs(num - q * 10000);
  return rem * 2 >= 10000 ? q + Math.sign(num) : q;
}

export function clamp(lo: number, hi: number, x: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** ratio a / b in basis points (1 % = 100 bp), rounded half away from zero; 0 when b is 0. */
export function ratioBp(a: number, b: number): number {
  return b === 0 ? 0 : roundHalfAway((a * 10000) / b);
}
