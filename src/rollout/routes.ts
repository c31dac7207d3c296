// Admin API for the rollout: status, gate, advance, rollback, decisions, re-arm, attestations,
// dry-run switch. Bearer ADMIN_TOKEN like every /admin route.
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { actorOf, changeReason, flagAdminRoutes } from '../flags/index.js';
import type { RolloutController } from './controller.js';
import { recordRequests } from './http-hook.js';
import type { FlagControl } from '../flags/index.js';

const reasonProp = { type: 'string', maxLength: 500 } as const;

/** Body reason wins; `X-Change-Reason` is the fallback so curl scripts can use either. */
function reasonOf(request: FastifyRequest, body: { reason?: string } | undefined): string | null {
  return body?.reason?.trim() || changeReason(request);
}

export interface RolloutRoutesOptions {
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
  rollout: RolloutController;
}

export async function rolloutRoutes(app: FastifyInstance, { admin: auth, rollout }: RolloutRoutesOptions): Promise<void> {
  app.get(
    '/admin/rollout',
    { preHandler: auth, schema: { tags: ['admin'], summary: 'Rollout phase, dry-run switch, trigger states and latches' } },
    async () => rollout.status(),
  );

  app.get(
    '/admin/rollout/gate',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Every criterion of the gate into the next phase: measured value, threshold, window, samples, pass/fail; attestations',
      },
    },
    async () => rollout.gate(),
  );

  app.post<{ Body: { reason?: string; force?: boolean } | undefined }>(
    '/admin/rollout/advance',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Advance one phase; 409 while the gate fails unless forced with a reason (audited)',
        body: { type: 'object', properties: { reason: reasonProp, force: { type: 'boolean' } }, additionalProperties: false },
      },
    },
    async (request) =>
      rollout.advance({ actor: actorOf(request), reason: reasonOf(request, request.body), force: request.body?.force === true }),
  );

  app.post<{ Body: { phase?: number; features?: string[]; reason?: string } | undefined }>(
    '/admin/rollout/rollback',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Roll phase N (default: the current one) and every later phase back to phase N-1; with features, only those features',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            phase: { type: 'integer', minimum: 1, maximum: 4 },
            features: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 32 },
            reason: reasonProp,
          },
        },
      },
    },
    async (request) =>
      rollout.rollback({
        actor: actorOf(request),
        reason: reasonOf(request, request.body),
        phase: request.body?.phase,
        features: request.body?.features,
      }),
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/admin/rollout/decisions',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary:
          "Rollout decisions, newest first, with their evidence and flags before/after; while the database is down, this replica's own (source: memory)",
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => rollout.decisionsOrRecent(request.query.limit ?? 50),
  );

  app.post<{ Body: { trigger: string; reason?: string } }>(
    '/admin/rollout/rearm',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Re-arm a latched trigger (or "all") with a reason',
        body: {
          type: 'object',
          required: ['trigger'],
          properties: { trigger: { type: 'string', maxLength: 64 }, reason: reasonProp },
          additionalProperties: false,
        },
      },
    },
    async (request) => rollout.rearm({ actor: actorOf(request), reason: reasonOf(request, request.body), trigger: request.body.trigger }),
  );

  app.get(
    '/admin/rollout/attestations',
    {
      preHandler: auth,
      schema: { tags: ['admin'], summary: 'Latest attestation per criterion' },
    },
    async () => ({ attestations: [...(await rollout.attestations()).values()] }),
  );

  app.post<{ Body: { criterion: string; evidence: string } }>(
    '/admin/rollout/attestations',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Record an attestation (who = the token id, when = now, evidence = a link or summary)',
        body: {
          type: 'object',
          required: ['criterion', 'evidence'],
          properties: { criterion: { type: 'string', maxLength: 64 }, evidence: { type: 'string', minLength: 1, maxLength: 2000 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      await rollout.attest({ actor: actorOf(request), criterion: request.body.criterion, evidence: request.body.evidence });
      reply.status(201);
      return { attestations: [...(await rollout.attestations()).values()] };
    },
  );

  app.post<{ Body: { enabled: boolean; reason?: string } }>(
    '/admin/rollout/dry-run',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Switch trigger dry-run on or off (decisions and alerts, no flag changes)',
        body: {
          type: 'object',
          required: ['enabled'],
          properties: { enabled: { type: 'boolean' }, reason: reasonProp },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      await rollout.setDryRun(request.body.enabled, { actor: actorOf(request), reason: reasonOf(request, request.body) });
      return rollout.status();
    },
  );
}

/** Everything the flag control plane and the rollout add to the server (one line in app.ts). */
export async function installRollout(
  app: FastifyInstance,
  { admin, rollout, flagControl, serve = false }: RolloutRoutesOptions & { flagControl: FlagControl; serve?: boolean },
): Promise<void> {
  recordRequests(app, rollout.measurements);
  // A serving replica listens for flag changes and runs the trigger loop; tests drive both by hand.
  if (serve)
    app.addHook('onReady', async () => {
      await flagControl.start();
      rollout.start();
    });
  app.addHook('onClose', async () => {
    rollout.stop();
    await flagControl.stop();
  });
  await app.register(flagAdminRoutes, { admin, control: flagControl });
  await app.register(rolloutRoutes, { admin, rollout });
}
