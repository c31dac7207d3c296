// Telling a failing platform from a bad phase. Rolling flags back only helps when the flags caused
// the breach; a database that is down or slow, a host saturated by other work, or a fleet that just
// lost a replica (or its Redis) make every phase slow or failing alike. While a latency or error
// trigger is breaching, every evaluation samples the platform and keeps what it found; a firing
// whose breach overlaps such a finding is alerted as the platform's (see controller.ts), anything
// else rolls back. What is sampled, and why each is evidence against the phase:
// - database: a one-row read of `opportunities` fails, or is slower than the latency trigger's
//   250 ms — every phase reads that table, so an older phase would fail the same way;
// - host: the run queue is well above the cores, this process's event loop is delayed, and this
//   process is NOT the one burning the CPU. A phase whose flags make requests expensive shows up
//   as this process using a core or more, which is not excused; only starvation by others is;
// - fleet: a replica that served requests during the breach has stopped (its survivors took its
//   traffic), or the fleet's shared store (Redis) did not answer. Neither is a flag's doing.
// Host findings excuse latency only; database and fleet findings excuse latency and errors, and
// fleet findings a low cache hit rate too (the shared cache lives in Redis). A firing is excused
// only when every breaching condition is.
// Comparing requests the phase's flags touched with those it did not would be a finer test, but
// a phase switches its flags for every request, so there is no untouched group to compare with.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { availableParallelism, loadavg } from 'node:os';
import type { Db } from '../storage/index.js';
import { databaseReadProbe } from '../resilience/index.js';
import type { ConditionEvidence } from './trigger-engine.js';
import type { Firing } from './trigger-engine.js';

export type PlatformKind = 'database' | 'host' | 'fleet';

export interface PlatformFinding {
  kind: PlatformKind;
  reason: string;
  /** When it was sampled (ms). */
  at: number;
  detail?: Record<string, unknown>;
}

/** Resolves to why the database is failing, or null when it answers. */
export type DatabaseProbe = () => Promise<string | null>;

/** Which request metrics a kind of finding can explain. */
const EXPLAINS: Record<PlatformKind, ReadonlySet<string>> = {
  database: new Set(['p95_ms', 'error_rate']),
  host: new Set(['p95_ms']),
  // Redis gone (or restarted empty) leaves the shared cache cold: a low hit rate is its doing too.
  fleet: new Set(['p95_ms', 'error_rate', 'signal:cache_hit_ratio']),
};

const EXPLAINABLE = new Set(['p95_ms', 'error_rate', 'signal:cache_hit_ratio']);

/**
 * The metrics of a firing's breaching conditions, or null when any of them is something no platform
 * finding can explain (memory, a capability's signal): those watch what a phase switched on and
 * always roll back.
 */
export function platformMetrics(evidence: ConditionEvidence[]): Set<string> | null {
  const breaching = evidence.filter((e) => e.breaching);
  if (breaching.length === 0 || breaching.some((e) => !EXPLAINABLE.has(e.metric))) return null;
  return new Set(breaching.map((e) => e.metric));
}

/**
 * Where the platform findings that can excuse a firing start (exclusive): a window before its
 * breach began (for a breach already put down to the platform, before its latest `for:` began).
 * So the tail of an outage that still fills the window counts, and a breach rolls back once a
 * whole `for:` and the window it reads have passed without any platform finding.
 */
export function evidenceSince(f: Firing): number {
  return f.pendingSince - Math.max(0, ...f.evidence.filter((e) => e.breaching).map((e) => e.windowMs));
}

/** A finding's identity for "is this news": its kind and wording without the measured numbers. */
export function findingKey(f: PlatformFinding): string {
  return `${f.kind}:${f.reason.replace(/\([^)]*\)|[\d.:TZ-]+/g, '').slice(0, 80)}`;
}

/**
 * Fails when a one-row read of the opportunities table fails, or takes longer than `slowMs` (the
 * latency trigger's bound: a database that slow is slow for every phase).
 */
export function databasePlatformProbe(db: () => Db, timeoutMs = 2000, slowMs = 250): DatabaseProbe {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    try {
      await Promise.race([
        databaseReadProbe(db()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const ms = performance.now() - started;
      return ms > slowMs ? `database slow: ${Math.round(ms)} ms for a one-row read` : null;
    } catch (err) {
      return `database read failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
    } finally {
      clearTimeout(timer);
    }
  };
}

export interface HostReading {
  /** 1-minute load average divided by the cores this process may use. */
  loadPerCore: number;
  /** Cores this process used on average since the previous reading (user + system). */
  ownCpuCores: number;
  /** 99th percentile of this process's event-loop delay since the previous reading. */
  eventLoopP99Ms: number;
}

export interface HostSampler {
  read(): HostReading;
}

export interface HostSources {
  loadavg?: () => number[];
  cores?: number;
  cpuUsage?: () => NodeJS.CpuUsage;
  /** Monotonic microseconds. */
  nowUs?: () => number;
  eventLoop?: Pick<IntervalHistogram, 'percentile' | 'reset'>;
}

/** Reads this host and process from Node (every source injectable for tests). */
export function processHostSampler(src: HostSources = {}): HostSampler {
  const load = src.loadavg ?? loadavg;
  const cores = src.cores ?? availableParallelism();
  const cpu = src.cpuUsage ?? (() => process.cpuUsage());
  const nowUs = src.nowUs ?? (() => Number(process.hrtime.bigint() / 1000n));
  let eventLoop = src.eventLoop;
  if (!eventLoop) {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    eventLoop = h;
  }
  const loop = eventLoop;
  let last = { cpu: cpu(), at: nowUs() };
  return {
    read() {
      const c = cpu();
      const at = nowUs();
      const spent = c.user - last.cpu.user + (c.system - last.cpu.system);
      const ownCpuCores = at > last.at ? spent / (at - last.at) : 0;
      last = { cpu: c, at };
      const p99 = loop.percentile(99) / 1e6;
      loop.reset();
      return { loadPerCore: (load()[0] ?? 0) / Math.max(cores, 1), ownCpuCores, eventLoopP99Ms: Number.isFinite(p99) ? p99 : 0 };
    },
  };
}

export interface HostLimits {
  /** Run queue per core above which the host counts as saturated. */
  loadPerCore: number;
  /** Event-loop delay (p99) that shows the saturation reaches this process. */
  eventLoopP99Ms: number;
  /** At or above this share of a core, this process is itself the load: not excused. */
  ownCpuCores: number;
}

export const DEFAULT_HOST_LIMITS: HostLimits = { loadPerCore: 1.5, eventLoopP99Ms: 30, ownCpuCores: 0.6 };

/** A host finding's reason, or null when the host is not what slows this process. */
export function hostSaturation(r: HostReading, limits: HostLimits = DEFAULT_HOST_LIMITS): string | null {
  if (r.loadPerCore < limits.loadPerCore || r.eventLoopP99Ms < limits.eventLoopP99Ms || r.ownCpuCores >= limits.ownCpuCores) return null;
  return `host saturated by other work: load ${r.loadPerCore.toFixed(1)} per core, event-loop delay p99 ${Math.round(r.eventLoopP99Ms)} ms, this process ${r.ownCpuCores.toFixed(2)} of a core`;
}

export interface PlatformMonitorOptions {
  database?: DatabaseProbe | null;
  host?: HostSampler | null;
  hostLimits?: HostLimits;
  /** Fleet events (a replica gone, Redis silent) in (now − lookbackMs, now]; see Measurements.fleetEvents. */
  fleet?: ((lookbackMs: number, now: number) => string[]) | null;
  /**
   * The database breaker. Once the database is back the breaker still sheds reads until a trial
   * call closes it: those 503s are the outage's tail, so an open breaker counts while the database
   * was found failing since shortly before it opened (an open breaker with a healthy database is
   * not excused: that is the breaker's own doing, and its trigger watches it).
   */
  databaseBreaker?: { state(): string; readonly stats: { openedAt: number | null } } | null;
  /** Findings older than this are forgotten. */
  retainMs?: number;
}

/** Samples the platform while a latency or error trigger breaches, and remembers what it found. */
export class PlatformMonitor {
  private findings: PlatformFinding[] = [];
  private lastSample: { at: number; findings: PlatformFinding[] } | null = null;

  constructor(private readonly o: PlatformMonitorOptions) {}

  async sample(now: number, lookbackMs: number): Promise<PlatformFinding[]> {
    const found: PlatformFinding[] = [];
    const db = this.o.database ? await this.o.database() : null;
    if (db) found.push({ kind: 'database', reason: db, at: now });
    const breaker = this.o.databaseBreaker;
    const openedAt = breaker?.stats.openedAt ?? null;
    if (
      !db &&
      breaker &&
      breaker.state() !== 'closed' &&
      openedAt !== null &&
      this.findings.some((f) => f.kind === 'database' && f.at >= openedAt - lookbackMs)
    ) {
      found.push({
        kind: 'database',
        reason: `database breaker still ${breaker.state()} since the database failed (opened ${new Date(openedAt).toISOString()})`,
        at: now,
      });
    }
    if (this.o.host) {
      const r = this.o.host.read();
      const why = hostSaturation(r, this.o.hostLimits);
      if (why) found.push({ kind: 'host', reason: why, at: now, detail: { ...r } });
    }
    for (const why of this.o.fleet?.(lookbackMs, now) ?? []) found.push({ kind: 'fleet', reason: why, at: now });
    const retain = this.o.retainMs ?? 60 * 60_000;
    this.findings = [...this.findings.filter((f) => f.at > now - retain), ...found];
    this.lastSample = { at: now, findings: found };
    return found;
  }

  /** The latest finding of each kind in (since, now] that can explain the given metrics. */
  explain(metrics: Set<string>, since: number, now: number): PlatformFinding[] {
    const latest = new Map<PlatformKind, PlatformFinding>();
    for (const f of this.findings) {
      // Every breaching metric needs a finding that can explain it (a cold cache needs the fleet's).
      if (f.at <= since || f.at > now || ![...metrics].some((m) => EXPLAINS[f.kind].has(m))) continue;
      latest.set(f.kind, f);
    }
    const found = [...latest.values()];
    return [...metrics].every((m) => found.some((f) => EXPLAINS[f.kind].has(m))) ? found : [];
  }

  last(): { at: number; findings: PlatformFinding[] } | null {
    return this.lastSample;
  }
}

/** One line for a decision's reason and the alert text. */
export function describeFindings(findings: PlatformFinding[]): string {
  return findings.map((f) => f.reason).join('; ');
}
