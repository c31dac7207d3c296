// The canary's statistics against known values (scipy.stats 1.17 and textbook examples), and the
// verdict's error rates measured by simulation: the false-failure rate over many A/A runs and the
// power against a real regression. Samples go through the same histogram bins the service uses.
import { describe, expect, it } from 'vitest';
import { INTERIM_ALPHA } from '../src/rollout/canary/progression.js';
import { canaryVerdict, DEFAULT_VERDICT_OPTIONS } from '../src/rollout/canary/verdict.js';
import {
  fisherGreater,
  logGamma,
  mannWhitneyGrouped,
  normalCdf,
  normalUpper,
  tieGroups,
  twoProportionZ,
} from '../src/rollout/canary/stats.js';
import { binOf, type CohortSample } from '../src/rollout/canary/windows.js';
import { seededRandom as rng } from '../src/common/random.js';

describe('normal distribution', () => {
  it('matches the standard table', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1)).toBeCloseTo(0.841344746, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975002105, 6);
    expect(normalCdf(-2.5758293)).toBeCloseTo(0.005, 6);
    expect(normalCdf(3)).toBeCloseTo(0.998650102, 6);
    // The upper tail keeps its relative precision far out, where 1 − Φ would cancel to 0.
    expect(normalUpper(6) / 9.86587645e-10).toBeCloseTo(1, 5);
    expect(normalUpper(8) / 6.22096057e-16).toBeCloseTo(1, 5);
  });
});

describe('Mann–Whitney U', () => {
  it('reproduces the classic example without ties (U = 17, asymptotic p = 0.1113 two-sided)', () => {
    // Mann & Whitney's setting as scipy's documentation uses it: males vs females.
    const r = mannWhitneyGrouped(tieGroups([19, 22, 16, 29, 24], [20, 11, 17, 12]))!;
    expect(r.u).toBe(17);
    expect(r.pTwoSided).toBeCloseTo(0.11134688653314041, 6);
    expect(r.pGreater).toBeCloseTo(0.055673443266570206, 6);
    expect(r.effect).toBeCloseTo(17 / 20, 10);
  });

  it('applies the tie correction (scipy: U = 13.5, p = 0.03176 two-sided, 0.01588 less)', () => {
    const r = mannWhitneyGrouped(tieGroups([1, 2, 2, 3, 3, 3, 4, 5], [2, 3, 4, 4, 5, 5, 6, 6, 7]))!;
    expect(r.u).toBe(13.5);
    // Tie groups: 2 ×3, 3 ×4, 4 ×3, 5 ×3, 6 ×2 → Σ(t³ − t) = 24 + 60 + 24 + 24 + 6.
    expect(r.tieTerm).toBe(138);
    expect(r.pTwoSided).toBeCloseTo(0.03175895714806371, 6);
    expect(r.pGreater).toBeCloseTo(0.9876172774448116, 6);
    // The same data the other way round: the "greater" side of the swapped test is scipy's "less".
    const swapped = mannWhitneyGrouped(tieGroups([2, 3, 4, 4, 5, 5, 6, 6, 7], [1, 2, 2, 3, 3, 3, 4, 5]))!;
    expect(swapped.pGreater).toBeCloseTo(0.015879478574031856, 6);
  });

  it('gives no evidence when every observation ties, and none without a second sample', () => {
    const r = mannWhitneyGrouped([[30, 40]])!;
    expect(r.pGreater).toBe(1);
    expect(r.effect).toBe(0.5);
    expect(
      mannWhitneyGrouped([
        [3, 0],
        [2, 0],
      ]),
    ).toBeNull();
  });
});

describe('two-proportion z-test', () => {
  it('matches the textbook example 120/200 vs 100/200 (z = 2.010, p = 0.0444 two-sided)', () => {
    const r = twoProportionZ(120, 200, 100, 200)!;
    expect(r.pooled).toBeCloseTo(0.55, 10);
    expect(r.z).toBeCloseTo(2.0101, 4);
    expect(r.pTwoSided).toBeCloseTo(0.04442, 4);
    expect(r.pGreater).toBeCloseTo(0.02221, 4);
  });

  it("hands few expected errors to Fisher's exact test (scipy.stats.fisher_exact values)", () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247004, 12);
    expect(logGamma(100.5) / 361.4355404677776).toBeCloseTo(1, 12);
    expect(logGamma(1e6) / 12815504.569147611).toBeCloseTo(1, 12);
    expect(fisherGreater(8, 300, 20, 2700)).toBeCloseTo(0.0047362464301045, 8);
    expect(fisherGreater(1, 10, 11, 14)).toBeCloseTo(0.9999663480953022, 8);
    const few = twoProportionZ(3, 300, 2, 700)!;
    expect(few.test).toBe('fisher-exact');
    expect(few.pGreater).toBeCloseTo(0.1625490342571228, 8);
    // Enough expected errors: the z-test decides.
    expect(twoProportionZ(120, 200, 100, 200)!.test).toBe('two-proportion-z');
  });

  it('says nothing when neither sample has an error', () => {
    expect(twoProportionZ(0, 500, 0, 500)!.pGreater).toBe(1);
  });
});

/** A cohort of n requests: log-normal latency around `medianMs` (σ = 0.5), 5xx with `errorRate`. */
function cohort(random: () => number, n: number, medianMs: number, errorRate: number, addMs = 0): CohortSample {
  const s: CohortSample = { requests: n, errors: 0, bins: new Map() };
  for (let i = 0; i < n; i++) {
    const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const bin = binOf(medianMs * Math.exp(0.5 * gauss) + addMs);
    s.bins.set(bin, (s.bins.get(bin) ?? 0) + 1);
    if (random() < errorRate) s.errors++;
  }
  return s;
}

describe('canary verdict', () => {
  it('is inconclusive below the minimum sample, whatever the data', () => {
    const random = rng(1);
    const v = canaryVerdict(cohort(random, 40, 50, 0.5), cohort(random, 4000, 5, 0));
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons[0]).toMatch(/treatment has 40 requests; a verdict needs 100/);
  });

  it('A/A: the false-failure rate over 2,000 simulated runs stays below α', () => {
    const random = rng(20261202);
    const runs = 2000;
    let fails = 0;
    let statisticalOnly = 0;
    let latencyOnly = 0;
    let errorsOnly = 0;
    for (let i = 0; i < runs; i++) {
      // A 10 % canary: the treatment cohort is a ninth of the control's size.
      const t = cohort(random, 300, 40, 0.01);
      const c = cohort(random, 2700, 40, 0.01);
      const v = canaryVerdict(t, c);
      if (v.verdict === 'fail') fails++;
      // The rate the tests alone would give, without the minimum-effect guard.
      const slow = v.latency !== null && v.latency.pGreater < DEFAULT_VERDICT_OPTIONS.alpha / 2;
      const erring = v.errors !== null && v.errors.pGreater < DEFAULT_VERDICT_OPTIONS.alpha / 2;
      if (slow) latencyOnly++;
      if (erring) errorsOnly++;
      if (slow || erring) statisticalOnly++;
    }
    const pct = (n: number) => `${n}/${runs} (${((n / runs) * 100).toFixed(2)} %)`;
    console.log(
      `A/A simulation: verdict fail ${pct(fails)}; tests alone ${pct(statisticalOnly)} (latency ${pct(latencyOnly)}, 5xx ${pct(errorsOnly)}); α = ${DEFAULT_VERDICT_OPTIONS.alpha}`,
    );
    // Each test runs at α/2: the rank test near its nominal rate (it is exact enough at n = 300),
    // the proportion test at or under it; Bonferroni keeps the family at or under α.
    expect(latencyOnly / runs).toBeGreaterThan(0.01);
    expect(latencyOnly / runs).toBeLessThan(0.04);
    expect(errorsOnly / runs).toBeLessThan(0.035);
    expect(fails / runs).toBeLessThanOrEqual(statisticalOnly / runs);
    expect(fails / runs).toBeLessThan(DEFAULT_VERDICT_OPTIONS.alpha);
  });

  it("A/A with a look every few seconds: strict interim looks keep a whole step's false-failure rate under α", () => {
    const random = rng(424242);
    const runs = 600;
    const looks = 12;
    let guarded = 0;
    let naive = 0;
    const merge = (into: CohortSample, add: CohortSample) => {
      into.requests += add.requests;
      into.errors += add.errors;
      for (const [bin, n] of add.bins) into.bins.set(bin, (into.bins.get(bin) ?? 0) + n);
    };
    for (let i = 0; i < runs; i++) {
      const t: CohortSample = { requests: 0, errors: 0, bins: new Map() };
      const c: CohortSample = { requests: 0, errors: 0, bins: new Map() };
      let guardedFail = false;
      let naiveFail = false;
      for (let look = 1; look <= looks; look++) {
        merge(t, cohort(random, 40, 40, 0.01));
        merge(c, cohort(random, 360, 40, 0.01));
        const final = look === looks;
        if (
          canaryVerdict(t, c, { ...DEFAULT_VERDICT_OPTIONS, alpha: final ? DEFAULT_VERDICT_OPTIONS.alpha : INTERIM_ALPHA }).verdict ===
          'fail'
        )
          guardedFail = true;
        if (canaryVerdict(t, c).verdict === 'fail') naiveFail = true;
      }
      if (guardedFail) guarded++;
      if (naiveFail) naive++;
    }
    console.log(
      `A/A sequential (${looks} looks per step, ${runs} steps): false failures ${guarded}/${runs} (${((guarded / runs) * 100).toFixed(2)} %) with strict interim looks; ${naive}/${runs} (${((naive / runs) * 100).toFixed(2)} %) when every look used α`,
    );
    expect(guarded / runs).toBeLessThan(DEFAULT_VERDICT_OPTIONS.alpha);
    expect(guarded).toBeLessThan(naive);
  });

  it('catches a 15 ms latency regression and a 3-point 5xx regression in a 10 % canary', () => {
    const random = rng(7);
    const runs = 300;
    let slowCaught = 0;
    let errorsCaught = 0;
    for (let i = 0; i < runs; i++) {
      const control = cohort(random, 2700, 40, 0.01);
      if (canaryVerdict(cohort(random, 300, 40, 0.01, 15), control).verdict === 'fail') slowCaught++;
      if (canaryVerdict(cohort(random, 300, 40, 0.04), control).verdict === 'fail') errorsCaught++;
    }
    console.log(`power: latency +15 ms caught ${slowCaught}/${runs}; 5xx 1 % → 4 % caught ${errorsCaught}/${runs}`);
    expect(slowCaught / runs).toBeGreaterThan(0.95);
    expect(errorsCaught / runs).toBeGreaterThan(0.9);
  });

  it('never fails a treatment that is faster or cleaner than its control', () => {
    const random = rng(99);
    for (let i = 0; i < 50; i++) {
      const v = canaryVerdict(cohort(random, 500, 30, 0), cohort(random, 2000, 60, 0.05));
      expect(v.verdict).toBe('pass');
    }
  });
});
