// Windowed P95 latency and error rate from the one HTTP histogram that /metrics exports, so the
// console and SLO watch read the same numbers Prometheus would compute with rate() over a window.
// The histogram is cumulative; periodic snapshots (driven by the injectable clock) let a reading
// subtract the counts from the start of the window.
import { PeriodicTask } from '../common/periodic-task.js';
import type client from 'prom-client';
import { isErrorStatus } from '../common/errors.js';
import type { Clock } from '../common/clock.js';

export interface HttpCounts {
  at: number;
  /** Cumulative counts per finite bucket bound, in the histogram's bound order. */
  buckets: number[];
  count: number;
  errors: number;
}

export interface HttpWindowReading {
  /** Seconds; null when the window holds fewer requests than the minimum-sample guard. */
  p95Seconds: number | null;
  /** 5xx ÷ requests; null under the minimum-sample guard. */
  errorRate: number | null;
  requests: number;
  errors: number;
  /** How much time the reading actually covers (shorter than asked for just after start-up). */
  coveredMs: number;
}

export interface HttpWindowOptions {
  windowMs?: number;
  sampleEveryMs?: number;
  minSamples?: number;
  /** Routes left out of SLOs: scrapes and long-lived event streams are not user latency. */
  excludeRoutes?: string[];
}

export const DEFAULT_EXCLUDED_ROUTES = ['/metrics', '/console/events'];

type Hist = client.Histogram<'method' | 'route' | 'status_code'>;

/** Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank. */
export function quantileFromBuckets(q: number, bounds: number[], cumulative: number[], total: number): number | null {
  if (total <= 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    const c = cumulative[i] ?? 0;
    if (c >= rank) {
      const inBucket = c - prevCount;
      if (inBucket <= 0) return bounds[i] as number;
      return prevBound + ((bounds[i] as number) - prevBound) * ((rank - prevCount) / inBucket);
    }
    prevBound = bounds[i] as number;
    prevCount = c;
  }
  // The rank lies in the +Inf bucket: like Prometheus, answer the highest finite bound.
  return bounds[bounds.length - 1] ?? null;
}

export class HttpWindow {
  private readonly samples: HttpCounts[] = [];
  private readonly loop: PeriodicTask;
  private readonly windowMs: number;
  private readonly sampleEveryMs: number;
  private readonly minSamples: number;
  private readonly exclude: Set<string>;
  readonly bounds: number[];

  constructor(
    private readonly hist: Hist,
    bounds: number[],
    private readonly clock: Clock,
    opts: HttpWindowOptions = {},
  ) {
    this.bounds = [...bounds];
    this.windowMs = opts.windowMs ?? 5 * 60_000;
    this.sampleEveryMs = opts.sampleEveryMs ?? 10_000;
    this.minSamples = opts.minSamples ?? 20;
    this.exclude = new Set(opts.excludeRoutes ?? DEFAULT_EXCLUDED_ROUTES);
    this.loop = new PeriodicTask({ clock, everyMs: this.sampleEveryMs, run: () => this.sample(), onError: () => {} });
  }

  get windowSeconds(): number {
    return this.windowMs / 1000;
  }

  /** Takes a snapshot now and then every sampleEveryMs until stop(). */
  start(): void {
    if (this.loop.started) return;
    this.loop.start();
    void this.sample();
  }

  stop(): void {
    void this.loop.stop();
  }

  async counts(): Promise<HttpCounts> {
    const { values } = await this.hist.get();
    const index = new Map(this.bounds.map((b, i) => [b, i]));
    const buckets = this.bounds.map(() => 0);
    let count = 0;
    let errors = 0;
    for (const v of values) {
      const labels = v.labels as Record<string, string | number>;
      if (this.exclude.has(String(labels.route))) continue;
      const name = (v as { metricName?: string }).metricName;
      if (name?.endsWith('_bucket')) {
        const le = labels.le;
        if (le === '+Inf') continue;
        const i = index.get(Number(le));
        if (i !== undefined) buckets[i] = (buckets[i] as number) + v.value;
      } else if (name?.endsWith('_count')) {
        count += v.value;
        if (isErrorStatus(Number(labels.status_code))) errors += v.value;
      }
    }
    return { at: this.clock.now(), buckets, count, errors };
  }

  async sample(): Promise<void> {
    const c = await this.counts();
    this.samples.push(c);
    // Keep the newest sample that is at least a window old as the base; drop anything older.
    const cutoff = c.at - this.windowMs;
    while (this.samples.length > 1 && (this.samples[1] as HttpCounts).at <= cutoff) this.samples.shift();
  }

  async read(): Promise<HttpWindowReading> {
    const now = await this.counts();
    const cutoff = now.at - this.windowMs;
    let base: HttpCounts | undefined;
    for (const s of this.samples) {
      if (s.at <= cutoff) base = s;
      else break;
    }
    base ??= this.samples[0];
    const zero: HttpCounts = { at: now.at, buckets: this.bounds.map(() => 0), count: 0, errors: 0 };
    const b = base && base.at <= now.at ? base : zero;
    const requests = now.count - b.count;
    const errors = now.errors - b.errors;
    const cumulative = now.buckets.map((v, i) => v - (b.buckets[i] ?? 0));
    const enough = requests >= this.minSamples;
    return {
      p95Seconds: enough ? quantileFromBuckets(0.95, this.bounds, cumulative, requests) : null,
      errorRate: enough ? errors / requests : null,
      requests,
      errors,
      coveredMs: now.at - b.at,
    };
  }
}
