// What the gates and triggers measure: this replica's request latency and error rate (own
// windows), its resident memory (sampled at every evaluation) and the named signals other
// capabilities publish. A reading without enough data has value null: it neither fires a
// trigger nor passes a gate.
import { isErrorStatus } from '../shared/errors.js';
import type { Signals } from '../observability/signals.js';
import type { Clock } from '../shared/clock.js';
import { RequestWindow } from './request-window.js';

export type MetricId = 'p95_ms' | 'error_rate' | 'rss_mb' | `signal:${string}`;

export interface Reading {
  value: number | null;
  /** Observations behind the value (requests, memory samples); null for published signals. */
  samples: number | null;
  windowMs: number;
  detail?: Record<string, unknown>;
}

export interface MeasurementOptions {
  clock: Clock;
  signals: Signals;
  /** Resident set size in bytes; injectable so tests can drive memory triggers. */
  memory?: () => number;
  retainMs?: number;
}

export class Measurements {
  readonly requests: RequestWindow;
  private readonly rss: Array<{ at: number; mb: number }> = [];
  private readonly retainMs: number;
  private readonly memory: () => number;

  constructor(private readonly opts: MeasurementOptions) {
    this.retainMs = opts.retainMs ?? 60 * 60_000;
    this.requests = new RequestWindow(this.retainMs);
    this.memory = opts.memory ?? (() => process.memoryUsage().rss);
  }

  recordRequest(group: string, durationMs: number, statusCode: number, at = this.opts.clock.now()): void {
    this.requests.record(group, at, durationMs, isErrorStatus(statusCode));
  }

  sampleMemory(at = this.opts.clock.now()): number {
    const mb = this.memory() / (1024 * 1024);
    this.rss.push({ at, mb });
    while (this.rss.length && (this.rss[0] as { at: number }).at < at - this.retainMs) this.rss.shift();
    return mb;
  }

  read(metric: MetricId, windowMs: number, minSamples: number): Reading {
    const now = this.opts.clock.now();
    if (metric === 'p95_ms') return this.readP95(windowMs, now, minSamples);
    if (metric === 'error_rate') {
      const r = this.requests.read(windowMs, now);
      const enough = r.requests >= minSamples;
      return { value: enough ? r.errorRate : null, samples: r.requests, windowMs, detail: { errors: r.errors } };
    }
    if (metric === 'rss_mb') return this.readMemory(windowMs, now, minSamples);
    const name = metric.slice('signal:'.length);
    return { value: this.opts.signals.read(name), samples: null, windowMs: 0 };
  }

  /** The worst route group that has enough requests; every group's figure goes in the detail. */
  private readP95(windowMs: number, now: number, minSamples: number): Reading {
    let worst: number | null = null;
    let worstSamples = 0;
    let total = 0;
    const groups: Record<string, { p95Ms: number | null; requests: number }> = {};
    for (const g of this.requests.groupNames()) {
      const r = this.requests.read(windowMs, now, g);
      if (r.requests === 0) continue;
      total += r.requests;
      groups[g] = { p95Ms: r.p95Ms === null ? null : Math.round(r.p95Ms * 10) / 10, requests: r.requests };
      if (r.requests < minSamples || r.p95Ms === null) continue;
      if (worst === null || r.p95Ms > worst) {
        worst = r.p95Ms;
        worstSamples = r.requests;
      }
    }
    return { value: worst, samples: worst === null ? total : worstSamples, windowMs, detail: { groups } };
  }

  /** Windowed: the highest sample in the window; zero-width: the latest sample. */
  private readMemory(windowMs: number, now: number, minSamples: number): Reading {
    const inWindow = windowMs === 0 ? this.rss.slice(-1) : this.rss.filter((s) => s.at > now - windowMs && s.at <= now);
    if (inWindow.length === 0 || inWindow.length < minSamples) return { value: null, samples: inWindow.length, windowMs };
    return { value: Math.max(...inWindow.map((s) => s.mb)), samples: inWindow.length, windowMs };
  }
}
