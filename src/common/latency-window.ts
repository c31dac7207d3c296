// The one windowed request measurement: per named series, time buckets each holding the request
// count, the error count and a log-scale latency histogram (bin → requests). Reading sums whole
// buckets over a span; a quantile is read from the summed bins. Memory is bounded by the
// retention (older buckets are dropped when a new one opens) and by the scale (one entry per bin).
// The rollout's SLO windows and the canary's cohort windows are both built on it; each keeps its
// own scale, because the bin numbers are part of what they store (the fleet's shared copy).

/** A log scale of latency bins: bin 0 holds everything up to `floorMs`, each next bin is `growth` times wider. */
export interface LatencyScale {
  binOf(ms: number): number;
  /** Geometric middle of a bin, so a quantile read from bins is within half a bin's width of the true value. */
  valueOf(bin: number): number;
}

export function logScale(growth: number, floorMs: number, ceilingMs = Number.POSITIVE_INFINITY): LatencyScale {
  const logGrowth = Math.log(growth);
  return {
    binOf: (ms) => {
      const clamped = Math.min(ms, ceilingMs);
      return clamped <= floorMs ? 0 : Math.ceil(Math.log(clamped / floorMs) / logGrowth);
    },
    valueOf: (bin) => (bin === 0 ? floorMs : floorMs * Math.exp((bin - 0.5) * logGrowth)),
  };
}

/** Requests over a span: counts and the latency histogram (bin → requests). */
export interface LatencySample {
  requests: number;
  errors: number;
  bins: Map<number, number>;
}

export const emptySample = (): LatencySample => ({ requests: 0, errors: 0, bins: new Map() });

/** The request at rank ⌈q·n⌉, as its bin's middle; null without requests. */
export function sampleQuantile(sample: LatencySample, q: number, scale: LatencyScale): number | null {
  if (sample.requests === 0) return null;
  const rank = Math.ceil(q * sample.requests);
  let seen = 0;
  for (const bin of [...sample.bins.keys()].sort((a, b) => a - b)) {
    seen += sample.bins.get(bin) as number;
    if (seen >= rank) return scale.valueOf(bin);
  }
  return null;
}

export interface LatencyWindowOptions {
  bucketMs: number;
  /** How far back anyone may read. */
  retainMs: number;
  scale: LatencyScale;
}

export class LatencyWindow {
  readonly bucketMs: number;
  readonly scale: LatencyScale;
  private readonly series = new Map<string, Map<number, LatencySample>>();

  constructor(private readonly opts: LatencyWindowOptions) {
    this.bucketMs = opts.bucketMs;
    this.scale = opts.scale;
  }

  record(series: string, at: number, durationMs: number, isError: boolean): void {
    const key = Math.floor(at / this.bucketMs);
    const buckets = this.bucketsOf(series);
    let b = buckets.get(key);
    if (!b) {
      buckets.set(key, (b = emptySample()));
      const oldest = Math.floor((at - this.opts.retainMs) / this.bucketMs);
      for (const k of buckets.keys()) if (k < oldest) buckets.delete(k);
    }
    b.requests++;
    if (isError) b.errors++;
    const bin = this.scale.binOf(durationMs);
    b.bins.set(bin, (b.bins.get(bin) ?? 0) + 1);
  }

  /** Adds totals measured elsewhere (another replica) into the bucket holding `at`; bins must be on this window's scale. */
  add(series: string, at: number, totals: LatencySample): void {
    const key = Math.floor(at / this.bucketMs);
    const buckets = this.bucketsOf(series);
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = emptySample()));
    mergeInto(b, totals);
  }

  /** The buckets with index from..to (inclusive) of the named series, or of every series when none is named, summed. */
  sum(fromBucket: number, toBucket: number, series?: string): LatencySample {
    const out = emptySample();
    const sources = series === undefined ? [...this.series.values()] : [this.series.get(series)];
    for (const buckets of sources) {
      if (!buckets) continue;
      for (const [key, b] of buckets) if (key >= fromBucket && key <= toBucket) mergeInto(out, b);
    }
    return out;
  }

  /** Every retained bucket of every series, for copying elsewhere. */
  *buckets(): Generator<{ series: string; bucket: number; sample: LatencySample }> {
    for (const [series, buckets] of this.series) for (const [bucket, sample] of buckets) yield { series, bucket, sample };
  }

  seriesNames(): string[] {
    return [...this.series.keys()].sort();
  }

  /** Number of stored histogram entries plus one per bucket: what the memory bound is about. */
  size(): number {
    let n = 0;
    for (const buckets of this.series.values()) for (const b of buckets.values()) n += b.bins.size + 1;
    return n;
  }

  private bucketsOf(series: string): Map<number, LatencySample> {
    let buckets = this.series.get(series);
    if (!buckets) this.series.set(series, (buckets = new Map<number, LatencySample>()));
    return buckets;
  }
}

function mergeInto(into: LatencySample, from: LatencySample): void {
  into.requests += from.requests;
  into.errors += from.errors;
  for (const [bin, n] of from.bins) into.bins.set(bin, (into.bins.get(bin) ?? 0) + n);
}
