// The two tests the canary verdict rests on, written out because our latencies live in
// histograms (bounded memory) rather than as raw observations: the npm statistics packages take
// raw arrays, and expanding a histogram back into millions of numbers would defeat the bound.
// A histogram bin is exactly a group of tied values for a rank test, so the Mann–Whitney U with
// the standard tie correction applies to it directly.

/**
 * Complementary error function, W. H. Press et al.'s Chebyshev fit (Numerical Recipes, erfcc):
 * fractional error below 1.2e-7 everywhere, far finer than any threshold we compare against.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Upper tail 1 − Φ(z), computed without cancellation for large z. */
export function normalUpper(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export interface RankTest {
  test: 'mann-whitney-u';
  n1: number;
  n2: number;
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  u: number;
  /** Continuity-corrected z for "the first sample is stochastically greater". */
  z: number;
  /** One-sided p-value for that alternative. */
  pGreater: number;
  /** Two-sided p-value (continuity-corrected). */
  pTwoSided: number;
  /** Vargha–Delaney A = U / (n1·n2): P(a > b) + ½P(a = b); 0.5 means no difference. */
  effect: number;
  /** Σ(t³ − t) over tie groups, used in the variance. */
  tieTerm: number;
}

/**
 * Mann–Whitney U for two samples given as tie groups in ascending order of value:
 * groups[i] = [count in sample 1, count in sample 2]. Normal approximation with the tie-corrected
 * variance σ² = n1·n2/12 · ((n + 1) − Σ(t³ − t) / (n(n − 1))) and a continuity correction of ½.
 */
export function mannWhitneyGrouped(groups: Array<[number, number]>): RankTest | null {
  let n1 = 0;
  let n2 = 0;
  for (const [a, b] of groups) {
    n1 += a;
    n2 += b;
  }
  const n = n1 + n2;
  if (n1 === 0 || n2 === 0) return null;
  let below = 0;
  let rankSum1 = 0;
  let tieTerm = 0;
  for (const [a, b] of groups) {
    const t = a + b;
    if (t === 0) continue;
    // Ranks below+1 … below+t share their mean.
    rankSum1 += a * (below + (t + 1) / 2);
    tieTerm += t * t * t - t;
    below += t;
  }
  const u = rankSum1 - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const effect = u / (n1 * n2);
  if (!(variance > 0)) {
    // Every observation tied: no evidence either way.
    return { test: 'mann-whitney-u', n1, n2, u, z: 0, pGreater: 1, pTwoSided: 1, effect, tieTerm };
  }
  const sd = Math.sqrt(variance);
  const z = (u - mean - 0.5) / sd;
  const zAbs = Math.max(0, Math.abs(u - mean) - 0.5) / sd;
  return { test: 'mann-whitney-u', n1, n2, u, z, pGreater: normalUpper(z), pTwoSided: Math.min(1, 2 * normalUpper(zAbs)), effect, tieTerm };
}

/** Groups two raw samples into ascending tie groups (for tests and small inputs). */
export function tieGroups(a: readonly number[], b: readonly number[]): Array<[number, number]> {
  const counts = new Map<number, [number, number]>();
  for (const x of a) (counts.get(x) ?? counts.set(x, [0, 0]).get(x)!)[0]++;
  for (const x of b) (counts.get(x) ?? counts.set(x, [0, 0]).get(x)!)[1]++;
  return [...counts.entries()].sort(([x], [y]) => x - y).map(([, c]) => c);
}

/** Tie groups of two latency histograms (bin → count), ascending by bin. */
export function histogramGroups(a: Map<number, number>, b: Map<number, number>): Array<[number, number]> {
  const bins = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  return bins.map((bin) => [a.get(bin) ?? 0, b.get(bin) ?? 0]);
}

export interface ProportionTest {
  /**
   * The two-proportion z-test when every expected cell count is at least 5 (where its normal
   * approximation holds); Fisher's exact test otherwise, since with a few expected errors the
   * z-test fails canaries more often than its α says.
   */
  test: 'two-proportion-z' | 'fisher-exact';
  /** Rates of sample 1 and sample 2. */
  p1: number;
  p2: number;
  /** Pooled rate under the null hypothesis of equal rates. */
  pooled: number;
  /** The z statistic (also reported when Fisher's test decided, for reference). */
  z: number;
  /** One-sided p-value for "sample 1's rate is higher". */
  pGreater: number;
  pTwoSided: number;
}

const MIN_EXPECTED = 5;

/** Compares x1 of n1 with x2 of n2 (e.g. 5xx answers of two cohorts). */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): ProportionTest | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return { test: 'two-proportion-z', p1, p2, pooled, z: 0, pGreater: 1, pTwoSided: 1 };
  const z = (p1 - p2) / se;
  const expected = Math.min(n1, n2) * Math.min(pooled, 1 - pooled);
  if (expected < MIN_EXPECTED) {
    const pGreater = fisherGreater(x1, n1, x2, n2);
    const pLess = fisherGreater(n1 - x1, n1, n2 - x2, n2);
    return { test: 'fisher-exact', p1, p2, pooled, z, pGreater, pTwoSided: Math.min(1, 2 * Math.min(pGreater, pLess)) };
  }
  return { test: 'two-proportion-z', p1, p2, pooled, z, pGreater: normalUpper(z), pTwoSided: Math.min(1, 2 * normalUpper(Math.abs(z))) };
}

/** ln Γ(x) for x > 0: Lanczos (g = 7, 9 terms), relative error near 1e-15. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const logChoose = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

/**
 * One-sided Fisher exact p-value P(X ≥ x1) for X hypergeometric: n1 draws from n1 + n2 items of
 * which x1 + x2 are marked. Summed in log space relative to the largest term.
 */
export function fisherGreater(x1: number, n1: number, x2: number, n2: number): number {
  const k = x1 + x2;
  const n = n1 + n2;
  const hi = Math.min(n1, k);
  const logs: number[] = [];
  const denom = logChoose(n, n1);
  for (let x = x1; x <= hi; x++) logs.push(logChoose(k, x) + logChoose(n - k, n1 - x) - denom);
  if (!logs.length) return 0;
  let max = -Infinity;
  for (const l of logs) if (l > max) max = l;
  let sum = 0;
  for (const l of logs) sum += Math.exp(l - max);
  return Math.min(1, Math.exp(max) * sum);
}
