// Per-(flag, cohort) request windows for canary analysis, on the shared LatencyWindow: 5 s buckets
// with a log-scale latency histogram (5 % wide bins from 50 µs up to ten minutes). Memory is
// bounded by construction: flags come from the registry, cohorts are two, buckets cover the
// retention period only, and a bucket has at most one entry per bin (under 300 bins).
// The histograms are what the rank test reads: each bin is one group of tied observations.
import { LatencyWindow, logScale, sampleQuantile, type LatencySample } from '../../common/latency-window.js';
import type { Cohort } from '../../flags/index.js';

const SCALE = logScale(1.05, 0.05, 600_000);

export const binOf = (ms: number): number => SCALE.binOf(ms);

/** Geometric middle of a bin, so a quantile read from bins is within ±2.5 % of the true value. */
export const binValue = (bin: number): number => SCALE.valueOf(bin);

/** One cohort's requests over a span: counts and the latency histogram (bin → requests). */
export type CohortSample = LatencySample;

export interface WindowOptions {
  /** How far back anyone may read. */
  retainMs: number;
  bucketMs?: number;
}

const seriesOf = (flag: string, cohort: Cohort) => `${flag}\u0000${cohort}`;

export class CohortWindows {
  readonly bucketMs: number;
  private readonly window: LatencyWindow;

  constructor(opts: WindowOptions) {
    this.bucketMs = opts.bucketMs ?? 5000;
    this.window = new LatencyWindow({ bucketMs: this.bucketMs, retainMs: opts.retainMs, scale: SCALE });
  }

  record(flag: string, cohort: Cohort, at: number, durationMs: number, isError: boolean): void {
    this.window.record(seriesOf(flag, cohort), at, durationMs, isError);
  }

  /**
   * One cohort's requests in (now − windowMs, now], or from `since` when that is later (a canary
   * step reads only what happened after it raised the percentage). Whole buckets are counted, so
   * a step starts at the first bucket that begins at or after `since`: the bucket it started in
   * also holds requests of the previous step, whose clients were split by the old percentage.
   */
  read(flag: string, cohort: Cohort, now: number, windowMs: number, since?: number): CohortSample {
    const from = Math.max(
      Math.floor((now - windowMs) / this.bucketMs) + 1,
      since === undefined ? -Infinity : Math.ceil(since / this.bucketMs),
    );
    return this.window.sum(from, Math.floor(now / this.bucketMs), seriesOf(flag, cohort));
  }

  /** Flags with any data retained; lets a flag that left its rollout still be reported. */
  flags(): string[] {
    return [...new Set(this.window.seriesNames().map((id) => id.split('\u0000')[0]!))].sort();
  }

  /** Number of stored histogram entries: what the memory bound is about. */
  size(): number {
    return this.window.size();
  }
}

export function quantileOf(sample: CohortSample, q: number): number | null {
  return sampleQuantile(sample, q, SCALE);
}
