// Canary admin API: the per-flag comparison of cohorts (GET /admin/rollout/canary), and the
// progressive runs (start, stop, re-arm after a rollback). Bearer ADMIN_TOKEN like every /admin route.
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { actorOf, changeReason, type Stickiness } from '../../flags/index.js';
import { WebhookNotifier, webhookUrlsFromEnv } from '../notifier.js';
import { CanaryAnalysis, canarySettings } from './analysis.js';
import { CanaryRunner, parseSteps } from './progression.js';
import { optionalEnvNumber } from '../../common/env.js';
import type { Clock } from '../../common/clock.js';
import type { ServiceConfig } from '../../config/index.js';
import type { FlagControl, FlagService } from '../../flags/index.js';
import type { Metrics } from '../../observability/index.js';
import type { BreakerRegistry } from '../../resilience/index.js';
import type { RolloutController } from '../controller.js';

const flagParam = { type: 'object', properties: { flag: { type: 'string', maxLength: 100 } }, required: ['flag'] } as const;
const reasonProp = { type: 'string', maxLength: 500 } as const;

export interface Canary {
  analysis: CanaryAnalysis;
  runner: CanaryRunner;
}

export interface CanaryInstallOptions {
  /** How often running canaries are checked (default CANARY_CHECK_MS or 5 s). */
  checkMs?: number;
}

/**
 * The cohort hook must run before any other hook reads a flag (rate limits read theirs in
 * onRequest), so app.ts calls this before it installs security.
 */
/** The parts of the context the canary reads. */
export type CanaryDeps = {
  config: ServiceConfig;
  flags: FlagService;
  flagControl: FlagControl;
  clock: Clock;
  metrics: Metrics;
  breakers: BreakerRegistry;
  rollout: RolloutController;
};

export function installCanary(app: FastifyInstance, ctx: CanaryDeps, opts: CanaryInstallOptions = {}): Canary {
  const analysis = new CanaryAnalysis(canarySettings(ctx.config.raw), ctx.flags, ctx.clock);
  analysis.install(app, ctx.metrics.registry);
  const notifier = new WebhookNotifier({ urls: webhookUrlsFromEnv(ctx.config.raw), breakers: ctx.breakers });
  const checkMs = opts.checkMs ?? optionalEnvNumber(ctx.config.raw, 'CANARY_CHECK_MS', { integer: true, min: 10, unit: 'milliseconds' });
  const runner = new CanaryRunner({
    env: ctx.config.env,
    control: ctx.flagControl,
    clock: ctx.clock,
    analysis,
    checkMs,
    notify: (n) => notifier.notify(n),
    dryRun: () => ctx.rollout.dryRun(),
  });
  app.addHook('onClose', async () => runner.close());
  const canary = { analysis, runner };
  installed.set(app, canary);
  return canary;
}

const installed = new WeakMap<FastifyInstance, Canary>();

/** The canary of a built app (tests and the benchmark drive its runner and read its windows). */
export function canaryOf(app: FastifyInstance): Canary {
  const c = installed.get(app);
  if (!c) throw new Error('installCanary() has not run on this app');
  return c;
}

export interface CanaryRoutesOptions {
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
  canary: Canary;
}

/** The routes; registered after security so they get its hooks like every other /admin route. */
export async function canaryRoutes(app: FastifyInstance, { admin: auth, canary }: CanaryRoutesOptions): Promise<void> {
  const { analysis, runner } = canary;

  app.get(
    '/admin/rollout/canary',
    {
      preHandler: auth,
      schema: {
        tags: ['rollout'],
        summary:
          "For each percentage flag: each cohort's requests, p95 latency and 5xx rate over the analysis window, and a verdict (pass | fail | inconclusive) with its evidence; the progressive runs",
      },
    },
    async () => ({ ...analysis.report(), settings: analysis.settings, runs: runner.list() }),
  );

  app.post<{
    Params: { flag: string };
    Body: { steps: number[] | string; holdSeconds?: number; stickiness?: Stickiness; reason?: string };
  }>(
    '/admin/rollout/canary/:flag',
    {
      preHandler: auth,
      schema: {
        tags: ['rollout'],
        summary:
          "Start a progressive canary: raise the flag's percentage step by step while its verdict passes; roll it back to 0 (decision, latch, #deployments) when it fails",
        params: flagParam,
        body: {
          type: 'object',
          required: ['steps'],
          additionalProperties: false,
          properties: {
            steps: {
              description: 'Rising percentages, e.g. [5, 25, 50, 100] or "5,25,50,100"',
              anyOf: [
                { type: 'array', items: { type: 'integer', minimum: 1, maximum: 100 }, minItems: 1, maxItems: 20 },
                { type: 'string', maxLength: 100 },
              ],
            },
            holdSeconds: {
              type: 'integer',
              minimum: 1,
              maximum: 1800,
              default: 300,
              description: 'How long each step must pass before the next',
            },
            stickiness: { type: 'string', enum: ['apiKey', 'ip'] },
            reason: reasonProp,
          },
        },
      },
    },
    async (request, reply) => {
      const steps = parseSteps(request.body.steps);
      const run = await runner.start({
        flag: request.params.flag,
        steps,
        holdMs: (request.body.holdSeconds ?? 300) * 1000,
        stickiness: request.body.stickiness,
        actor: actorOf(request),
        reason: request.body.reason?.trim() || changeReason(request),
      });
      reply.status(202);
      return run;
    },
  );

  app.delete<{ Params: { flag: string } }>(
    '/admin/rollout/canary/:flag',
    {
      preHandler: auth,
      schema: { tags: ['rollout'], summary: 'Stop raising a running canary; the flag keeps its current percentage', params: flagParam },
    },
    async (request) => runner.stop(request.params.flag, { actor: actorOf(request), reason: changeReason(request) }),
  );

  app.post<{ Params: { flag: string }; Body: { reason?: string } | undefined }>(
    '/admin/rollout/canary/:flag/rearm',
    {
      preHandler: auth,
      schema: {
        tags: ['rollout'],
        summary: 'Re-arm the canary latch of a rolled-back flag (a reason is required and recorded)',
        params: flagParam,
        body: { type: 'object', properties: { reason: reasonProp }, additionalProperties: false },
      },
    },
    async (request) =>
      runner.rearm(request.params.flag, { actor: actorOf(request), reason: request.body?.reason?.trim() || changeReason(request) }),
  );
}
