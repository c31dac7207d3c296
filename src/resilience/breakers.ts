// Circuit breakers (ENABLE_CIRCUIT_BREAKERS) around every outbound dependency: database reads,
// Redis, each auction source (`source:<name>`) and each alert webhook (`webhook:<channel>`).
//
// Each breaker is a cockatiel sampling breaker: it opens when more than half of the calls in the
// last second failed, provided at least `minimumRps` calls were seen, so a dependency failing at
// ≥ 20 req/s opens it in about half a second while a lone failure at low traffic never does.
// After `halfOpenAfterMs` one trial call is let through (half-open); its outcome closes or
// re-opens the breaker. The flag is read on every call, so switching it off takes effect at once.
//
// False positives: a breaker "opened while the dependency answered normally". When a breaker
// that was closed opens and it has a `probe` (an independent, cheap health check such as
// `SELECT 1` or Redis PING, run outside the breaker), the probe is run at that moment: if it
// answers, the open is counted as a false positive. Opens of breakers without a probe are not
// decided and count in neither the numerator nor the denominator of the ratio.
import { optionalEnvNumber } from '../common/env.js';
import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import client from 'prom-client';
import type { FlagService } from '../flags/index.js';
import type { Readiness } from '../common/readiness.js';
import { SIGNALS, type Metrics, type Signals } from '../observability/index.js';
import type { Clock } from '../common/clock.js';
import { ApiError } from '../common/errors.js';
import { DependencyTimeoutError, isDependencyFailure } from './error-classification.js';

export type BreakerState = 'closed' | 'half-open' | 'open';

export interface BreakerSettings {
  /** Failure share (0–1, exclusive) of the sampled calls that opens the breaker. */
  threshold: number;
  /** Sampling window. */
  samplingMs: number;
  /** Minimum calls per second in the window before the breaker may open. */
  minimumRps: number;
  /** Time an open breaker waits before letting a trial call through. */
  halfOpenAfterMs: number;
  /** How long a probe may take before it counts as "did not answer". */
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  threshold: 0.5,
  samplingMs: 1000,
  minimumRps: 10,
  halfOpenAfterMs: 5000,
  probeTimeoutMs: 1000,
};

export interface BreakerOptions {
  /** Independent health check used to judge whether an open was a false positive. */
  probe?: () => Promise<unknown>;
  /** Which errors count against the dependency; by default isDependencyFailure (never a client's mistake). */
  isFailure?: (err: unknown) => boolean;
  /** Calls slower than this count as failures (the caller gets a DependencyTimeoutError). */
  timeoutMs?: number;
  /**
   * Open after this many failures in a row instead of sampling a failure rate. Low-rate callers
   * (a scraper making one request every few seconds, an alert webhook) never reach a sampling
   * breaker's minimum throughput, so for them a run of failures is the only usable signal.
   */
  consecutiveFailures?: number;
}

/** Scrapers and webhooks call far below `minimumRps`; they open on consecutive failures. */
export const LOW_RATE_CONSECUTIVE_FAILURES = 5;
const isLowRate = (name: string) => name.startsWith('source:') || name.startsWith('webhook:');

/** Thrown (as a 503 with Retry-After) while a breaker refuses calls. */
export class CircuitOpenError extends ApiError {
  constructor(
    readonly breaker: string,
    readonly retryAfterSeconds: number,
  ) {
    super(
      503,
      'dependency_unavailable',
      `${breaker} is temporarily unavailable (circuit open); retry in ${retryAfterSeconds} s`,
      { breaker },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

export { DependencyTimeoutError };

function toState(s: CircuitState): BreakerState {
  if (s === CircuitState.Closed) return 'closed';
  if (s === CircuitState.HalfOpen) return 'half-open';
  return 'open';
}

export interface BreakerStats {
  opens: number;
  /** Opens judged by a probe. */
  decided: number;
  falsePositives: number;
  /** Time from the first failure of the failing streak to the open, for the most recent open. */
  lastDetectionMs: number | null;
  openedAt: number | null;
}

interface BreakerDeps {
  flags: Pick<FlagService, 'get'>;
  clock: Clock;
  settings: BreakerSettings;
  onOpen(name: string): void;
}

export class Breaker {
  private readonly policy: CircuitBreakerPolicy;
  private probe: (() => Promise<unknown>) | undefined;
  private readonly timeoutMs: number | undefined;
  private streakStartedAt: number | null = null;
  private lastState: BreakerState = 'closed';
  readonly stats: BreakerStats = { opens: 0, decided: 0, falsePositives: 0, lastDetectionMs: null, openedAt: null };
  /** Settles when the probe of the latest open has been judged (tests and the report wait on it). */
  lastJudgement: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    opts: BreakerOptions,
    private readonly deps: BreakerDeps,
  ) {
    const { settings } = deps;
    const isFailure = opts.isFailure ?? isDependencyFailure;
    this.probe = opts.probe;
    this.timeoutMs = opts.timeoutMs;
    this.policy = circuitBreaker(
      handleWhen((err) => isFailure(err)),
      {
        halfOpenAfter: settings.halfOpenAfterMs,
        breaker: opts.consecutiveFailures
          ? new ConsecutiveBreaker(opts.consecutiveFailures)
          : new SamplingBreaker({ threshold: settings.threshold, duration: settings.samplingMs, minimumRps: settings.minimumRps }),
      },
    );
    this.policy.onFailure(({ handled }) => {
      if (handled && this.streakStartedAt === null) this.streakStartedAt = deps.clock.now();
    });
    this.policy.onSuccess(() => {
      this.streakStartedAt = null;
    });
    this.policy.onStateChange((s) => {
      const next = toState(s);
      const previous = this.lastState;
      this.lastState = next;
      if (next !== 'open') return;
      const now = deps.clock.now();
      this.stats.openedAt = now;
      if (previous !== 'closed') return; // a failed half-open trial is not a new detection
      this.stats.opens++;
      this.stats.lastDetectionMs = this.streakStartedAt === null ? 0 : now - this.streakStartedAt;
      deps.onOpen(name);
      this.lastJudgement = this.judgeOpen();
    });
  }

  /** Adds a probe to a breaker first created without one. */
  setProbe(probe: () => Promise<unknown>): void {
    this.probe ??= probe;
  }

  private async judgeOpen(): Promise<void> {
    const probe = this.probe;
    if (!probe) return;
    const answered = await this.withTimeout(probe, this.deps.settings.probeTimeoutMs).then(
      () => true,
      () => false,
    );
    this.stats.decided++;
    if (answered) this.stats.falsePositives++;
  }

  private withTimeout<T>(fn: () => Promise<T>, ms: number | undefined): Promise<T> {
    if (ms === undefined) return fn();
    return new Promise<T>((resolve, reject) => {
      const timer = this.deps.clock.setTimeout(() => reject(new DependencyTimeoutError(this.name, ms)), ms);
      fn().then(
        (v) => {
          timer.cancel();
          resolve(v);
        },
        (e) => {
          timer.cancel();
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the call's own rejection passes through unchanged
          reject(e);
        },
      );
    });
  }

  enabled(): boolean {
    return this.deps.flags.get('ENABLE_CIRCUIT_BREAKERS') === true;
  }

  /** Runs fn through the breaker when ENABLE_CIRCUIT_BREAKERS is on, directly when it is off. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.enabled()) return fn();
    // cockatiel queues callers behind the half-open trial; a request should not wait on a dependency that may hang.
    if (this.policy.state === CircuitState.HalfOpen) throw new CircuitOpenError(this.name, 1);
    try {
      return await this.policy.execute(() => this.withTimeout(fn, this.timeoutMs));
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new CircuitOpenError(this.name, this.retryAfterSeconds());
      throw err;
    }
  }

  /**
   * Opens the breaker now, for a failure that more calls cannot mend (an auction source whose page
   * layout changed): it refuses calls for the half-open delay, then lets the next call through.
   */
  trip(): void {
    if (!this.enabled() || this.policy.state !== CircuitState.Closed) return;
    this.streakStartedAt ??= this.deps.clock.now();
    const hold = this.policy.isolate();
    this.deps.clock.setTimeout(() => hold.dispose(), this.deps.settings.halfOpenAfterMs);
  }

  /** The state in force: a breaker whose flag is off lets everything through, so it reads closed. */
  state(): BreakerState {
    if (!this.enabled()) return 'closed';
    return toState(this.policy.state);
  }

  /** Seconds until a trial call will be let through (at least 1). */
  retryAfterSeconds(): number {
    const openedAt = this.stats.openedAt ?? this.deps.clock.now();
    const left = this.deps.settings.halfOpenAfterMs - (this.deps.clock.now() - openedAt);
    return Math.max(1, Math.ceil(left / 1000));
  }
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface BreakerRegistryDeps {
  flags: Pick<FlagService, 'get'>;
  clock: Clock;
  metrics?: Metrics;
  readiness?: Readiness;
  signals?: Signals;
  settings?: Partial<BreakerSettings>;
}

export class BreakerRegistry {
  private readonly breakers = new Map<string, Breaker>();
  readonly settings: BreakerSettings;
  private readonly opensCounter: client.Counter<'breaker'> | null = null;

  constructor(private readonly deps: BreakerRegistryDeps) {
    this.settings = { ...DEFAULT_BREAKER_SETTINGS, ...deps.settings };
    const registry = deps.metrics?.registry;
    if (registry) {
      const self = this;
      new client.Gauge({
        name: 'dealerscope_circuit_breaker_state',
        help: 'Circuit breaker state (0 closed, 1 half-open, 2 open)',
        labelNames: ['breaker'] as const,
        registers: [registry],
        collect() {
          this.reset();
          for (const b of self.breakers.values()) this.set({ breaker: b.name }, STATE_VALUE[b.state()]);
        },
      });
      this.opensCounter = new client.Counter({
        name: 'dealerscope_circuit_breaker_opens_total',
        help: 'Times a closed circuit breaker opened',
        labelNames: ['breaker'] as const,
        registers: [registry],
      });
      new client.Gauge({
        name: 'dealerscope_circuit_breaker_false_positives',
        help: 'Breaker opens while the dependency answered its independent probe',
        labelNames: ['breaker'] as const,
        registers: [registry],
        collect() {
          this.reset();
          for (const b of self.breakers.values()) this.set({ breaker: b.name }, b.stats.falsePositives);
        },
      });
    }
    deps.readiness?.register('circuit_breakers', () => {
      const detail: Record<string, BreakerState> = {};
      for (const b of this.breakers.values()) detail[b.name] = b.state();
      const anyOpen = Object.values(detail).some((s) => s !== 'closed');
      // An open breaker is the service protecting itself; the dependency's own check says whether it is down.
      return { status: anyOpen ? 'degraded' : 'ok', detail };
    });
    deps.signals?.register(SIGNALS.breakerFalsePositiveRatio, () => this.falsePositiveRatio());
    deps.signals?.register(SIGNALS.breakerDetectionSeconds, () => this.lastDetectionSeconds());
  }

  get(name: string, opts: BreakerOptions = {}): Breaker {
    let b = this.breakers.get(name);
    if (!b) {
      const effective = isLowRate(name) ? { consecutiveFailures: LOW_RATE_CONSECUTIVE_FAILURES, ...opts } : opts;
      b = new Breaker(name, effective, {
        flags: this.deps.flags,
        clock: this.deps.clock,
        settings: this.settings,
        onOpen: (n) => this.opensCounter?.inc({ breaker: n }),
      });
      this.breakers.set(name, b);
    } else if (opts.probe) b.setProbe(opts.probe);
    return b;
  }

  all(): Breaker[] {
    return [...this.breakers.values()];
  }

  /** False positives ÷ opens judged by a probe; null before any judged open. */
  falsePositiveRatio(): number | null {
    let decided = 0;
    let fp = 0;
    for (const b of this.breakers.values()) {
      decided += b.stats.decided;
      fp += b.stats.falsePositives;
    }
    return decided === 0 ? null : fp / decided;
  }

  /** Detection time of the most recent open across breakers. */
  lastDetectionSeconds(): number | null {
    let latest: Breaker | null = null;
    for (const b of this.breakers.values()) {
      if (b.stats.lastDetectionMs === null) continue;
      if (!latest || (b.stats.openedAt ?? 0) > (latest.stats.openedAt ?? 0)) latest = b;
    }
    return latest?.stats.lastDetectionMs == null ? null : latest.stats.lastDetectionMs / 1000;
  }
}

/** Breaker settings from the environment (BREAKER_HALF_OPEN_MS, BREAKER_MIN_RPS), defaults otherwise. */
export function breakerSettings(env: NodeJS.ProcessEnv): Partial<BreakerSettings> {
  const out: Partial<BreakerSettings> = {};
  const read = (name: string, min: number, max: number) => optionalEnvNumber(env, name, { integer: true, min, max });
  const halfOpen = read('BREAKER_HALF_OPEN_MS', 100, 600_000);
  if (halfOpen !== undefined) out.halfOpenAfterMs = halfOpen;
  const minRps = read('BREAKER_MIN_RPS', 1, 100_000);
  if (minRps !== undefined) out.minimumRps = minRps;
  return out;
}
