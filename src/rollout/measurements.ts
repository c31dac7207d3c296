// What the gates and triggers measure: the fleet's request latency and error rate (the windows
// every replica shares in Redis, see fleet-window.ts; this replica's own when Redis is absent or
// silent, and the reading says which), this replica's resident memory (sampled at every evaluation) and the named signals other
// capabilities publish. A reading without enough data has value null: it neither fires a
// trigger nor passes a gate.
import { isErrorStatus } from '../common/errors.js';
import type { Signals } from '../observability/index.js';
import type { Clock } from '../common/clock.js';
import { replicaShares, SLOT_MS, lostReplicas, type FleetWindow } from './fleet-window.js';
import { RequestWindow } from './request-window.js';

const PUSH_MS = 2000;

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
  /** The fleet's shared windows; without it every reading is this replica's own. */
  fleet?: FleetWindow | null;
  /** A fleet snapshot older than this is not used (the replica's own windows are). */
  fleetMaxAgeMs?: number;
}

export class Measurements {
  readonly requests: RequestWindow;
  private readonly rss: Array<{ at: number; mb: number }> = [];
  private readonly retainMs: number;
  private readonly memory: () => number;
  private lastPush = 0;
  private pushedAt = 0;
  private pushing: Promise<void> | null = null;
  /** When a fleet sync failed (Redis silent), for the platform rule; pruned to the retained span. */
  private fleetFailures: number[] = [];

  constructor(private readonly opts: MeasurementOptions) {
    this.retainMs = opts.retainMs ?? 60 * 60_000;
    this.requests = new RequestWindow(this.retainMs);
    this.memory = opts.memory ?? (() => process.memoryUsage().rss);
  }

  /** Pushes this replica's slots to the fleet's copy and reads the fleet's back. */
  async syncFleet(readMs: number): Promise<boolean> {
    if (!this.opts.fleet) return false;
    await this.pushing;
    const now = this.opts.clock.now();
    const ok = await this.opts.fleet.sync(this.requests, now, Math.min(readMs, this.retainMs), this.unpushedMs(now));
    if (ok) this.pushedAt = now;
    else this.fleetFailures = [...this.fleetFailures.filter((t) => t > now - this.retainMs), now];
    return ok;
  }

  /** Waits for a push in flight, then pushes what is left (the simulated clock's second step). */
  async flushFleet(): Promise<void> {
    const f = this.opts.fleet;
    if (!f) return;
    await this.pushing;
    const now = this.opts.clock.now();
    await f.push(this.requests, now, this.unpushedMs(now)).then(
      () => {
        this.pushedAt = now;
      },
      () => {},
    );
  }

  /** Everything since the last push that reached Redis, from the start of its slot. */
  private unpushedMs(now: number): number {
    return Math.min(this.retainMs, now - this.pushedAt + SLOT_MS);
  }

  /** Where request readings come from now, and why not the fleet when they do not. */
  scope(): { scope: 'fleet' | 'replica'; replica: string | null; reason?: string } {
    const f = this.opts.fleet;
    if (!f) return { scope: 'replica', replica: null, reason: 'no Redis configured' };
    if (this.fleetSnapshot()) return { scope: 'fleet', replica: f.replica };
    return { scope: 'replica', replica: f.replica, reason: `fleet windows unavailable${f.lastError ? `: ${f.lastError}` : ''}` };
  }

  /**
   * Fleet events in (now − lookbackMs, now] that load or blind the replicas without any flag's
   * doing: the shared store not answering, a replica that served and stopped.
   */
  fleetEvents(lookbackMs: number, staleMs: number, now = this.opts.clock.now()): string[] {
    const f = this.opts.fleet;
    if (!f) return [];
    const out: string[] = [];
    const failures = this.fleetFailures.filter((t) => t > now - lookbackMs);
    if (failures.length)
      out.push(
        `fleet store (Redis) unreachable at ${failures.length} evaluation(s) in the last ${Math.round(lookbackMs / 1000)} s${f.lastError ? ` (${f.lastError})` : ''}`,
      );
    const snap = this.fleetSnapshot();
    if (snap) {
      for (const v of lostReplicas(snap, lookbackMs, staleMs, now))
        out.push(
          `replica ${v.replica} stopped reporting (last at ${new Date(v.lastSeenAt).toISOString()}); nothing replaced it, the others carry its traffic`,
        );
    }
    return out;
  }

  /** Who measured: the acting replica, the scope, and each replica's share of the requests. */
  measuredBy(windowMs: number): Record<string, unknown> {
    const snap = this.fleetSnapshot();
    const scope = this.scope();
    const now = this.opts.clock.now();
    if (snap) return { ...scope, replicas: replicaShares(snap, windowMs, now) };
    const requests = this.requests.read(windowMs, now).requests;
    return { ...scope, replicas: [{ replica: scope.replica ?? 'this replica', requests, share: 1 }] };
  }

  private fleetSnapshot() {
    return this.opts.fleet?.current(this.opts.clock.now(), this.opts.fleetMaxAgeMs ?? 60_000) ?? null;
  }

  private requestSource(): { window: RequestWindow; detail: Record<string, unknown>; shares: (windowMs: number, now: number) => unknown } {
    const snap = this.fleetSnapshot();
    const scope = this.scope();
    if (snap) return { window: snap.window, detail: { scope: 'fleet' }, shares: (w, now) => replicaShares(snap, w, now) };
    return { window: this.requests, detail: { scope: 'replica', replica: scope.replica, reason: scope.reason }, shares: () => undefined };
  }

  recordRequest(group: string, durationMs: number, statusCode: number, at = this.opts.clock.now()): void {
    this.requests.record(group, at, durationMs, isErrorStatus(statusCode));
    // Every two seconds the fleet's copy gets this replica's running totals, so another replica
    // reading the fleet is at most that far behind.
    const f = this.opts.fleet;
    if (f && !this.pushing && at - this.lastPush >= PUSH_MS) {
      this.lastPush = at;
      this.pushing = f
        .push(this.requests, at, this.unpushedMs(at))
        .then(
          () => {
            this.pushedAt = Math.max(this.pushedAt, at);
          },
          () => {},
        )
        .finally(() => {
          this.pushing = null;
        });
    }
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
      const src = this.requestSource();
      const r = src.window.read(windowMs, now);
      const enough = r.requests >= minSamples;
      return {
        value: enough ? r.errorRate : null,
        samples: r.requests,
        windowMs,
        detail: { errors: r.errors, ...src.detail, replicas: src.shares(windowMs, now) },
      };
    }
    if (metric === 'rss_mb') return this.readMemory(windowMs, now, minSamples);
    const name = metric.slice('signal:'.length);
    return { value: this.opts.signals.read(name), samples: null, windowMs: 0 };
  }

  /** The worst route group that has enough requests; every group's figure goes in the detail. */
  private readP95(windowMs: number, now: number, minSamples: number): Reading {
    const src = this.requestSource();
    let worst: number | null = null;
    let worstSamples = 0;
    let total = 0;
    const groups: Record<string, { p95Ms: number | null; requests: number }> = {};
    for (const g of src.window.groupNames()) {
      const r = src.window.read(windowMs, now, g);
      if (r.requests === 0) continue;
      total += r.requests;
      groups[g] = { p95Ms: r.p95Ms === null ? null : Math.round(r.p95Ms * 10) / 10, requests: r.requests };
      if (r.requests < minSamples || r.p95Ms === null) continue;
      if (worst === null || r.p95Ms > worst) {
        worst = r.p95Ms;
        worstSamples = r.requests;
      }
    }
    return {
      value: worst,
      samples: worst === null ? total : worstSamples,
      windowMs,
      detail: { groups, ...src.detail, replicas: src.shares(windowMs, now) },
    };
  }

  /** Windowed: the highest sample in the window; zero-width: the latest sample. */
  private readMemory(windowMs: number, now: number, minSamples: number): Reading {
    const inWindow = windowMs === 0 ? this.rss.slice(-1) : this.rss.filter((s) => s.at > now - windowMs && s.at <= now);
    if (inWindow.length === 0 || inWindow.length < minSamples) return { value: null, samples: inWindow.length, windowMs };
    return { value: Math.max(...inWindow.map((s) => s.mb)), samples: inWindow.length, windowMs };
  }
}
