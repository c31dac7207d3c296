// Canary analysis inside one process: every request remembers the cohort it was given for each
// percentage flag it read (flags/percentage.ts), and when it ends its latency and status go into
// that (flag, cohort)'s window and metrics. The report compares the cohorts flag by flag.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import client from 'prom-client';
import { COHORTS, runWithCohorts, type CohortContext, type FlagName, type FlagService, type PercentageRollout } from '../../flags/index.js';
import { HTTP_BUCKETS } from '../../observability/index.js';
import type { Clock } from '../../common/clock.js';
import { routeGroup } from '../request-window.js';
import { canaryVerdict, DEFAULT_VERDICT_OPTIONS, type CanaryVerdict, type VerdictOptions } from './verdict.js';
import { CohortWindows } from './windows.js';
import { envInt, envNumber } from '../../common/env.js';

export interface CanarySettings extends VerdictOptions {
  /** The analysis window of GET /admin/rollout/canary. */
  windowMs: number;
}

/** Reads CANARY_* settings; a malformed one is a start-up error naming the variable. */
export function canarySettings(env: NodeJS.ProcessEnv): CanarySettings {
  return {
    windowMs: envInt(env, 'CANARY_WINDOW_MS', 5 * 60_000, 1000, 3_600_000, 'milliseconds'),
    minSamples: envNumber(env, 'CANARY_MIN_SAMPLES', DEFAULT_VERDICT_OPTIONS.minSamples, { integer: true, min: 10 }),
    alpha: envNumber(env, 'CANARY_ALPHA', DEFAULT_VERDICT_OPTIONS.alpha, { above: 0, below: 0.5 }),
    minLatencyEffect: envNumber(env, 'CANARY_MIN_LATENCY_EFFECT', DEFAULT_VERDICT_OPTIONS.minLatencyEffect, { min: 0.5, below: 1 }),
    minErrorIncrease: envNumber(env, 'CANARY_MIN_ERROR_INCREASE', DEFAULT_VERDICT_OPTIONS.minErrorIncrease, { min: 0, below: 1 }),
  };
}

export interface FlagCanaryReport extends CanaryVerdict {
  /** The rollout in force, or null when the flag has left its rollout but data is still in the window. */
  rollout: PercentageRollout | null;
}

export interface CanaryReport {
  at: string;
  windowMs: number;
  flags: Record<string, FlagCanaryReport>;
}

const MAX_KEY_LENGTH = 256;
/** The longest a canary step may wait for its verdict (hold plus grace); windows keep that much. */
export const MAX_STEP_MS = 3_600_000;

export class CanaryAnalysis {
  readonly windows: CohortWindows;
  private readonly contexts = new WeakMap<FastifyRequest, CohortContext>();

  constructor(
    readonly settings: CanarySettings,
    private readonly flags: FlagService,
    private readonly clock: Clock,
  ) {
    // Retained long enough for the window and for a canary step read from its start.
    this.windows = new CohortWindows({ retainMs: Math.max(settings.windowMs, MAX_STEP_MS) + 10_000 });
  }

  rollouts(): Partial<Record<FlagName, PercentageRollout>> {
    return this.flags.snapshot().percentages;
  }

  /**
   * The verdict for one flag over the window, or only since `since` (a canary step's start);
   * `alpha` replaces the configured one (a canary step's interim looks use a stricter one).
   */
  verdictFor(flag: string, since?: number, alpha?: number): CanaryVerdict {
    const now = this.clock.now();
    const windowMs = since === undefined ? this.settings.windowMs : Math.max(this.windows.bucketMs, now - since + this.windows.bucketMs);
    const read = (c: (typeof COHORTS)[number]) => this.windows.read(flag, c, now, windowMs, since);
    return canaryVerdict(read('treatment'), read('control'), alpha === undefined ? this.settings : { ...this.settings, alpha });
  }

  report(): CanaryReport {
    const rollouts = this.rollouts();
    const names = [...new Set([...Object.keys(rollouts), ...this.windows.flags()])].sort();
    const flags: Record<string, FlagCanaryReport> = {};
    for (const name of names) flags[name] = { rollout: rollouts[name as FlagName] ?? null, ...this.verdictFor(name) };
    return { at: new Date(this.clock.now()).toISOString(), windowMs: this.settings.windowMs, flags };
  }

  /**
   * Gives every request its cohort context (before any other hook reads a flag) and records the
   * finished request into the windows of each percentage flag it touched.
   */
  install(app: FastifyInstance, registry: client.Registry): void {
    const duration = new client.Histogram({
      name: 'dealerscope_canary_request_duration_seconds',
      help: 'Duration of requests that read a percentage-rollout flag, by flag and cohort (treatment | control)',
      labelNames: ['flag', 'cohort'] as const,
      buckets: HTTP_BUCKETS,
      registers: [registry],
    });
    const requests = new client.Counter({
      name: 'dealerscope_canary_requests_total',
      help: 'Requests that read a percentage-rollout flag, by flag, cohort and status class (5xx counts against the cohort)',
      labelNames: ['flag', 'cohort', 'status_class'] as const,
      registers: [registry],
    });
    // A request under a percentage rollout gets its cohort on the normal path.
    app.replayLane?.guard(() => !hasAny(this.flags.snapshot().percentages));
    app.addHook('onRequest', (request, _reply, done) => {
      // No percentage rollout in force: no cohort to give, and no async context to carry (its
      // propagation has a cost on every await). A rollout set while this request runs applies
      // from the next request; this one sees the flag as work outside a request does.
      if (!hasAny(this.flags.snapshot().percentages)) return done();
      const presented = request.headers['x-api-key'];
      const apiKey = typeof presented === 'string' && presented.length > 0 ? presented.slice(0, MAX_KEY_LENGTH) : null;
      const ctx: CohortContext = { apiKey, ip: request.ip, cohorts: new Map() };
      this.contexts.set(request, ctx);
      runWithCohorts(ctx, done);
    });
    // Callback-style, like the request hook: most requests carry no cohort and pay only a lookup.
    app.addHook('onResponse', (request, reply, done) => {
      const ctx = this.contexts.get(request);
      if (ctx !== undefined && ctx.cohorts.size > 0) this.record(request, reply, ctx, duration, requests);
      done();
    });
    this.registerGauges(registry);
  }

  private record(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: CohortContext,
    duration: client.Histogram<'flag' | 'cohort'>,
    requests: client.Counter<'flag' | 'cohort' | 'status_class'>,
  ): void {
    if (routeGroup(request.routeOptions.url) === null) return;
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/event-stream')) return;
    const now = this.clock.now();
    const isError = reply.statusCode >= 500;
    const statusClass = `${Math.floor(reply.statusCode / 100)}xx`;
    for (const [flag, cohort] of ctx.cohorts) {
      this.windows.record(flag, cohort, now, reply.elapsedTime, isError);
      duration.observe({ flag, cohort }, reply.elapsedTime / 1000);
      requests.inc({ flag, cohort, status_class: statusClass });
    }
  }

  private registerGauges(registry: client.Registry): void {
    const self = this;
    new client.Gauge({
      name: 'dealerscope_canary_percentage',
      help: 'Percentage of clients in the treatment cohort of each percentage-rollout flag',
      labelNames: ['flag'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [flag, r] of Object.entries(self.rollouts())) this.set({ flag }, (r as PercentageRollout).percentage);
      },
    });
    new client.Gauge({
      name: 'dealerscope_canary_window_p95_seconds',
      help: 'P95 latency of each cohort over the canary analysis window',
      labelNames: ['flag', 'cohort'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [flag, r] of Object.entries(self.report().flags)) {
          for (const c of COHORTS) if (r.cohorts[c].p95Ms !== null) this.set({ flag, cohort: c }, (r.cohorts[c].p95Ms as number) / 1000);
        }
      },
    });
    new client.Gauge({
      name: 'dealerscope_canary_window_error_ratio',
      help: '5xx share of each cohort over the canary analysis window',
      labelNames: ['flag', 'cohort'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [flag, r] of Object.entries(self.report().flags)) {
          for (const c of COHORTS) if (r.cohorts[c].errorRate !== null) this.set({ flag, cohort: c }, r.cohorts[c].errorRate as number);
        }
      },
    });
    new client.Gauge({
      name: 'dealerscope_canary_verdict',
      help: 'Canary verdict per percentage-rollout flag: 1 for the verdict in force (pass | fail | inconclusive), 0 for the others',
      labelNames: ['flag', 'verdict'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [flag, r] of Object.entries(self.report().flags)) {
          for (const v of ['pass', 'fail', 'inconclusive'] as const) this.set({ flag, verdict: v }, r.verdict === v ? 1 : 0);
        }
      },
    });
  }
}

function hasAny(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
