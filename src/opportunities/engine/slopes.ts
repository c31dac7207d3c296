// How much a model year and 10,000 miles move a model family's price, learnt from its own sales:
// a least-squares fit of log price on model year and mileage, pulled toward the configured prior
// (ridge) so a handful of sales cannot produce a wild slope, refitted once without outliers, and
// held inside the configured bounds.
import type { ArbitrageParams } from '../../config/index.js';

export interface Observation {
  /** log price (cents), already scaled to the listing's class */
  y: number;
  /** comp year − listing year */
  dYear: number;
  /** (comp miles − listing miles) / 10,000; null when either is unknown */
  dMiles: number | null;
}

/** Log-price change per model year newer (year) and per 10,000 miles more (mileage, negative). */
export interface Slopes {
  year: number;
  mileage: number;
  /** Observations the final fit rested on. */
  n: number;
}

// Typical spread of each regressor: the prior counts as `priorStrength` observations this far out.
const YEAR_SPREAD = 1.5;
const MILES_SPREAD = 5;

function solve3(m: number[][], r: number[]): number[] | null {
  const a = m.map((row, i) => [...row, r[i]!]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let i = c + 1; i < 3; i++) if (Math.abs(a[i]![c]!) > Math.abs(a[p]![c]!)) p = i;
    if (Math.abs(a[p]![c]!) < 1e-12) return null;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let i = 0; i < 3; i++) {
      if (i === c) continue;
      const f = a[i]![c]! / a[c]![c]!;
      for (let k = c; k < 4; k++) a[i]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[3]! / row[i]!);
}

function fit(
  obs: readonly Observation[],
  prior: { year: number; mileage: number },
  k: number,
): { a: number; year: number; mileage: number } | null {
  let n = 0,
    s1 = 0,
    s2 = 0,
    sy = 0,
    s11 = 0,
    s22 = 0,
    s12 = 0,
    s1y = 0,
    s2y = 0;
  for (const o of obs) {
    const x1 = o.dYear;
    const x2 = o.dMiles ?? 0;
    n++;
    s1 += x1;
    s2 += x2;
    sy += o.y;
    s11 += x1 * x1;
    s22 += x2 * x2;
    s12 += x1 * x2;
    s1y += x1 * o.y;
    s2y += x2 * o.y;
  }
  if (n === 0) return null;
  const l1 = k * YEAR_SPREAD ** 2;
  const l2 = k * MILES_SPREAD ** 2;
  const sol = solve3(
    [
      [n, s1, s2],
      [s1, s11 + l1, s12],
      [s2, s12, s22 + l2],
    ],
    [sy, s1y + l1 * prior.year, s2y + l2 * prior.mileage],
  );
  return sol ? { a: sol[0]!, year: sol[1]!, mileage: sol[2]! } : null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function fitSlopes(observations: readonly Observation[], v: ArbitrageParams['valuation']): Slopes {
  const prior = { year: Math.log(1 + v.yearPctPrior / 100), mileage: Math.log(1 - v.mileagePctPer10kPrior / 100) };
  const [yLo, yHi] = v.yearPctBounds;
  const [mLo, mHi] = v.mileagePctPer10kBounds;
  const clampYear = (b: number) => Math.min(Math.log(1 + yHi / 100), Math.max(Math.log(1 + yLo / 100), b));
  const clampMiles = (b: number) => Math.min(Math.log(1 - mLo / 100), Math.max(Math.log(1 - mHi / 100), b));
  // Sales without a mileage can still tell the year slope; the mileage fit needs odometers.
  const withMiles = observations.filter((o) => o.dMiles !== null);
  const obs = withMiles.length >= 5 ? withMiles : observations.map((o) => ({ ...o, dMiles: null }));
  let f = fit(obs, prior, v.slopePriorStrength);
  let used = obs;
  if (f && obs.length >= 6) {
    const first = f;
    const res = obs.map((o) => o.y - first.a - first.year * o.dYear - first.mileage * (o.dMiles ?? 0));
    const mad = median(res.map(Math.abs)) * 1.4826;
    used = obs.filter((_, i) => Math.abs(res[i]!) <= v.outlierMadLimit * Math.max(mad, 0.03));
    f = fit(used, prior, v.slopePriorStrength) ?? f;
  }
  if (!f) return { year: prior.year, mileage: prior.mileage, n: 0 };
  return { year: clampYear(f.year), mileage: withMiles.length >= 5 ? clampMiles(f.mileage) : prior.mileage, n: used.length };
}
