// Per-(flag, cohort) request windows for canary analysis: time buckets, each holding the request
// and 5xx counts and a log-scale latency histogram (5 % wide bins from 50 µs). Memory is bounded
// by construction: flags come from the registry, cohorts are two, buckets cover the retention
// period only, and a bucket has at most one entry per bin (under 300 bins up to ten minutes).
// The histograms are what the rank test reads: each bin is one group of tied observations.
import type { Cohort } from '../../flags/percentage.js';

const BIN_GROWTH = 1.05;
const LOG_GROWTH = Math.log(BIN_GROWTH);
const FLOOR_MS = 0.05;
const CEILING_MS = 600_000;

export function binOf(ms: number): number {
  const clamped = Math.min(Math.max(ms, FLOOR_MS), CEILING_MS);
  return clamped <= FLOOR_MS ? 0 : Math.ceil(Math.log(clamped / FLOOR_MS) / LOG_GROWTH);
}

/** Geometric middle of a bin, so a quantile read from bins is within ±2.5 % of the true value. */
export function binValue(bin: number): number {
  return bin === 0 ? FLOOR_MS : FLOOR_MS * Math.exp((bin - 0.5) * LOG_GROWTH);
}

interface Bucket {
  count: number;
  errors: number;
  bins: Map<number, number>;
}

/** One cohort's requests over a span: counts and the latency histogram (bin → requests). */
export interface CohortSample {
  requests: number;
  errors: number;
  bins: Map<number, number>;
}

export interface WindowOptions {
  /** How far back anyone may read. */
  retainMs: number;
  bucketMs?: number;
}

export class CohortWindows {
  readonly bucketMs: number;
  private readonly series = new Map<string, Map<number, Bucket>>();

  constructor(private readonly opts: WindowOptions) {
    this.bucketMs = opts.bucketMs ?? 5000;
  }

  record(flag: string, cohort: Cohort, at: number, durationMs: number, isError: boolean): void {
    const id = `${flag}\u0000${cohort}`;
    let buckets = this.series.get(id);
    if (!buckets) this.series.set(id, (buckets = new Map<number, Bucket>()));
    const key = Math.floor(at / this.bucketMs);
    let b = buckets.get(key);
    if (!b) {
      buckets.set(key, (b = { count: 0, errors: 0, bins: new Map() }));
      const oldest = Math.floor((at - this.opts.retainMs) / this.bucketMs);
      for (const k of buckets.keys()) if (k < oldest) buckets.delete(k);
    }
    b.count++;
    if (isError) b.errors++;
    const bin = binOf(durationMs);
    b.bins.set(bin, (b.bins.get(bin) ?? 0) + 1);
  }

  /**
   * One cohort's requests in (now − windowMs, now], or from `since` when that is later (a canary
   * step reads only what happened after it raised the percentage). Whole buckets are counted, so
   * a step starts at the first bucket that begins at or after `since`: the bucket it started in
   * also holds requests of the previous step, whose clients were split by the old percentage.
   */
  read(flag: string, cohort: Cohort, now: number, windowMs: number, since?: number): CohortSample {
    const from = Math.max(Math.floor((now - windowMs) / this.bucketMs) + 1, since === undefined ? -Infinity : Math.ceil(since / this.bucketMs));
    const to = Math.floor(now / this.bucketMs);
    const out: CohortSample = { requests: 0, errors: 0, bins: new Map() };
    const buckets = this.series.get(`${flag}\u0000${cohort}`);
    if (!buckets) return out;
    for (const [key, b] of buckets) {
      if (key < from || key > to) continue;
      out.requests += b.count;
      out.errors += b.errors;
      for (const [bin, n] of b.bins) out.bins.set(bin, (out.bins.get(bin) ?? 0) + n);
    }
    return out;
  }

  /** Flags with any data retained; lets a flag that left its rollout still be reported. */
  flags(): string[] {
    return [...new Set([...this.series.keys()].map((id) => id.split('\u0000')[0]))].sort();
  }

  /** Number of stored histogram entries: what the memory bound is about. */
  size(): number {
    let n = 0;
    for (const buckets of this.series.values()) for (const b of buckets.values()) n += b.bins.size + 1;
    return n;
  }
}

export function quantileOf(sample: CohortSample, q: number): number | null {
  if (sample.requests === 0) return null;
  const rank = Math.ceil(q * sample.requests);
  let seen = 0;
  for (const bin of [...sample.bins.keys()].sort((a, b) => a - b)) {
    seen += sample.bins.get(bin) as number;
    if (seen >= rank) return binValue(bin);
  }
  return null;
}
