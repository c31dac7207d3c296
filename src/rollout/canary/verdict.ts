// The canary verdict for one percentage flag: treatment against control, each signal with the test
// that suits it. Latency is skewed and heavy-tailed, so it gets a rank test (Mann–Whitney U), not
// a t-test on means; the 5xx rate is a proportion, so it gets a two-proportion z-test. Both ask a
// one-sided question — is the treatment worse? — since a faster or cleaner treatment is a pass.
// A failure needs statistical evidence (p below α split across the two signals, Bonferroni) and
// an effect big enough to matter, so a large sample cannot fail a canary on a trivial difference.
import { histogramGroups, mannWhitneyGrouped, twoProportionZ, type ProportionTest, type RankTest } from './stats.js';
import { quantileOf, type CohortSample } from './windows.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface VerdictOptions {
  /** Requests each cohort needs before any verdict but inconclusive. */
  minSamples: number;
  /** Family-wise false-failure rate; each of the two signals is tested at alpha / 2. */
  alpha: number;
  /** Smallest Vargha–Delaney A (P(treatment slower)) that counts as a latency regression. */
  minLatencyEffect: number;
  /** Smallest rise of the 5xx rate (absolute, 0.005 = half a percentage point) that counts. */
  minErrorIncrease: number;
}

export const DEFAULT_VERDICT_OPTIONS: VerdictOptions = { minSamples: 100, alpha: 0.05, minLatencyEffect: 0.56, minErrorIncrease: 0.005 };

export interface CohortReport {
  requests: number;
  errors: number;
  errorRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface CanaryVerdict {
  verdict: Verdict;
  /** Why, in words: the failing signals, or what is missing for a verdict. */
  reasons: string[];
  cohorts: { treatment: CohortReport; control: CohortReport };
  latency: (RankTest & { alpha: number; minEffect: number; regression: boolean }) | null;
  errors: (ProportionTest & { alpha: number; minIncrease: number; regression: boolean }) | null;
  minSamples: number;
}

export function cohortReport(s: CohortSample): CohortReport {
  const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    requests: s.requests,
    errors: s.errors,
    errorRate: s.requests ? s.errors / s.requests : null,
    p50Ms: round(quantileOf(s, 0.5)),
    p95Ms: round(quantileOf(s, 0.95)),
  };
}

export function canaryVerdict(
  treatment: CohortSample,
  control: CohortSample,
  opts: VerdictOptions = DEFAULT_VERDICT_OPTIONS,
): CanaryVerdict {
  const cohorts = { treatment: cohortReport(treatment), control: cohortReport(control) };
  const perTest = opts.alpha / 2;
  const reasons: string[] = [];
  const rank = mannWhitneyGrouped(histogramGroups(treatment.bins, control.bins));
  const latency = rank && {
    ...rank,
    alpha: perTest,
    minEffect: opts.minLatencyEffect,
    regression: rank.pGreater < perTest && rank.effect >= opts.minLatencyEffect,
  };
  const prop = twoProportionZ(treatment.errors, treatment.requests, control.errors, control.requests);
  const errors = prop && {
    ...prop,
    alpha: perTest,
    minIncrease: opts.minErrorIncrease,
    regression: prop.pGreater < perTest && prop.p1 - prop.p2 >= opts.minErrorIncrease,
  };
  const short = (['treatment', 'control'] as const).filter((c) => cohorts[c].requests < opts.minSamples);
  if (short.length) {
    for (const c of short) reasons.push(`${c} has ${cohorts[c].requests} requests; a verdict needs ${opts.minSamples}`);
    return { verdict: 'inconclusive', reasons, cohorts, latency, errors, minSamples: opts.minSamples };
  }
  if (latency?.regression) {
    reasons.push(
      `treatment slower: P(treatment > control) = ${latency.effect.toFixed(3)} ≥ ${opts.minLatencyEffect}, Mann–Whitney p = ${latency.pGreater.toExponential(2)} < ${perTest}; p95 ${cohorts.treatment.p95Ms} ms vs ${cohorts.control.p95Ms} ms`,
    );
  }
  if (errors?.regression) {
    reasons.push(
      `treatment 5xx rate ${(errors.p1 * 100).toFixed(2)} % vs ${(errors.p2 * 100).toFixed(2)} % (+${((errors.p1 - errors.p2) * 100).toFixed(2)} pp ≥ ${(opts.minErrorIncrease * 100).toFixed(2)}), z = ${errors.z.toFixed(2)}, p = ${errors.pGreater.toExponential(2)} < ${perTest}`,
    );
  }
  if (reasons.length) return { verdict: 'fail', reasons, cohorts, latency, errors, minSamples: opts.minSamples };
  reasons.push('no latency or 5xx regression of the treatment cohort');
  return { verdict: 'pass', reasons, cohorts, latency, errors, minSamples: opts.minSamples };
}
