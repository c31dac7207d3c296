// Assembles the Fastify server from the capabilities' route plugins.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { endedAuctionsPlugin, ErrorSchema, opportunityRoutes, OpportunitySchema } from '../opportunities/index.js';
import { installObservability, loggerOptions, routeLabel } from '../observability/index.js';
import { installConsole, layout } from '../console/index.js';
import { dealerPage, workspacePages } from '../dealer/index.js';
import { adminImportRoutes, browserPoolPlugin, ingestionPlugin } from '../ingest/index.js';
import { cachePlugin } from '../cache/index.js';
import type { AppContext } from './context.js';
import { installErrorHandling } from './errors.js';
import { canaryRoutes, installCanary, installRollout } from '../rollout/index.js';
import { healthRoutes } from './health-routes.js';
import { qualityPlugin, refreshOpenDuplicateVins } from '../quality/index.js';
import { rateLimitHook, trustedProxies } from '../resilience/index.js';
import { csrfToken, installSecurity, MAX_HEADER_BYTES, protectForm, requireAdmin, requireConsole } from '../security/index.js';
import { clientErrorHandler } from './client-errors.js';
import { installConditionalRequests } from './conditional.js';
import { createReplayLane, openReplayLane } from './replay.js';
import { requestIdOf } from './request-id.js';
import { indexRouteMethods } from './method-not-allowed.js';
import { registerOpenApi } from './openapi.js';
import { evidencePlugin } from '../evidence/index.js';
import { incidentsPlugin } from '../incidents/index.js';
import { dealersPlugin, Workspace } from '../dealers/index.js';
import { sharedSecret } from '../storage/index.js';
import { notificationsPlugin } from '../notifications/index.js';

export interface BuildAppOptions {
  logger?: boolean;
  /** Where JSON log lines go (default stdout); tests capture them. */
  logStream?: { write(line: string): void };
  /** Run background work (incident escalation, alert delivery, readiness watch): serving processes. */
  background?: boolean;
  /**
   * A serving replica (startService): the process-wide loops run from onReady to onClose — flag
   * propagation and the rollout's trigger loop, the quality monitor, the ended-auction sweep,
   * scheduled scraping. (The evidence store and the browser pool close with any app.)
   */
  serve?: ServeOptions;
}

export interface ServeOptions {
  log: (msg: string) => void;
  /** Called once the quality monitor's first pass is in: the last of the start-up work. */
  onStarted?: () => void;
}

const MAX_PARAM_LENGTH = 200;

export async function buildApp(ctx: AppContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  let app: FastifyInstance | null = null;
  const server = Fastify({
    logger: opts.logger === false ? false : loggerOptions(ctx.config.logLevel, opts.logStream),
    // A caller's request id is kept when it is sane, so one id follows a request across services.
    genReqId: requestIdOf,
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    clientErrorHandler: clientErrorHandler(() => (app as FastifyInstance).log),
    // URLs the router refuses before any hook runs (a path parameter past its length, a malformed
    // escape) still answer with the error envelope and a request id.
    frameworkErrors: (err, request, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      reply
        .header('X-Request-Id', request.id)
        .header('Cache-Control', 'no-store')
        .code(tooLong ? 414 : 400)
        .send({
          error: {
            code: tooLong ? 'uri_too_long' : 'bad_url',
            message: tooLong ? 'A path segment is longer than 200 characters' : 'The URL is not valid',
          },
        });
    },
    // Unknown keys in JSON bodies are reported, never silently stripped.
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array' } },
    forceCloseConnections: 'idle',
    // A request that reaches a draining replica was sent before the load balancer let it go:
    // it is served (with Connection: close) rather than refused with a 503 the client must retry.
    return503OnClosing: false,
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names.
    trustProxy: trustedProxies(ctx.config.trustProxy),
  });
  app = server;
  // Before anything registers its per-request work: each capability adds its part to the lane too.
  const lane = createReplayLane(app, ctx);
  app.decorate('replayLane', lane);
  const methods = indexRouteMethods(app, MAX_PARAM_LENGTH);
  // Before any route, so the document sees every one.
  await registerOpenApi(app);
  app.addSchema(OpportunitySchema);
  app.addSchema(ErrorSchema);
  // Hooks on every request are callback-style: an async hook costs a promise and a microtask
  // hop per request, which on a cache hit is a measurable share of the work.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  const canary = installCanary(app, ctx);
  app.addHook('onResponse', (request, reply, done) => {
    ctx.metrics.httpDuration.observe(
      { method: request.method, route: routeLabel(request.routeOptions.url), status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  installErrorHandling(app, methods);
  await installSecurity(app, ctx, { rateLimits: rateLimitHook });
  const admin = requireAdmin(ctx.config.adminToken);
  const background = opts.background ?? false;
  const serve = opts.serve;
  const { db, clock } = ctx;
  const env = ctx.config.raw;
  const registry = ctx.metrics.registry;
  // The evidence store first: the admin import and scheduled scraping keep what they read in it.
  await app.register(evidencePlugin, { db, clock, env, registry, admin, background });
  await app.register(adminImportRoutes, { db, clock, evidence: app.evidence, admin, env, flags: ctx.flags });
  await app.register(browserPoolPlugin, { deps: ctx });
  installObservability(app, ctx);
  installConditionalRequests(app);

  await app.register(healthRoutes, { readiness: ctx.readiness });
  // The workspace stays a context member: the opportunity routes and the dealer pages read it.
  ctx.workspace ??= new Workspace(ctx);
  await app.register(opportunityRoutes, {
    flags: ctx.flags,
    cache: ctx.cache,
    reads: ctx.reads,
    cursorSecret: async () => ctx.config.cursorSecret ?? sharedSecret(ctx.db, 'cursor_secret'),
    workspace: ctx.workspace,
  });
  // Capabilities with their own services and lifecycle, in dependency order: each one's
  // decorations (app.notifications, app.dealerAlerts, app.incidents) feed the next.
  await app.register(notificationsPlugin, { db, clock, env, registry, breakers: ctx.breakers, admin, background });
  await app.register(dealersPlugin, { ctx, workspace: ctx.workspace, notifications: app.notifications, background });
  await app.register(cachePlugin, { cache: ctx.cache });
  if (serve) {
    // Flags that named a listing whose auction just ended resolve (read when the sweep runs:
    // the quality capability registers below).
    const afterEnded = (now: number) =>
      ctx.flags.get('ENABLE_ANOMALY_DETECTION') ? refreshOpenDuplicateVins(db, { params: app.quality.params, now }) : Promise.resolve(0);
    await app.register(endedAuctionsPlugin, { db, clock, afterEnded });
  }
  const monitor = serve ? { onFirstPass: serve.onStarted } : undefined;
  await app.register(qualityPlugin, { db, clock, admin, reads: ctx.reads, flags: ctx.flags, signals: ctx.signals, registry, monitor });
  await installRollout(app, { admin, rollout: ctx.rollout, flagControl: ctx.flagControl, serve: Boolean(serve) });
  await app.register(canaryRoutes, { admin, canary });
  await installConsole(app, { flags: ctx.flags, flagControl: ctx.flagControl, rollout: ctx.rollout, canary });
  await app.register(incidentsPlugin, {
    db,
    clock,
    env,
    registry,
    notifications: app.notifications,
    dealers: app.dealerAlerts,
    admin,
    console: { requireConsole, protectForm, csrfToken },
    page: (title, body) => layout(title, body),
    readiness: ctx.readiness,
    rollout: ctx.rollout,
    flags: ctx.flags,
    background,
  });
  const incidents = app.incidents;
  const notices = async () => (await incidents.publicStatus()).dealerNotices;
  await app.register(dealerPage, { workspace: ctx.workspace, notices });
  await app.register(workspacePages, {
    db,
    clock,
    redis: ctx.redis,
    env,
    workspace: ctx.workspace,
    notices,
    allowPrivate: app.notifications.settings.allowPrivate,
    emailConfigured: app.notifications.settings.smtpUrl !== null,
  });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    reply.header('Content-Type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  app.get('/openapi.json', async () => (app as FastifyInstance).swagger());
  // Last, so that closing in reverse order stops the scrapes before the evidence store they write to.
  if (serve) await app.register(ingestionPlugin, { ctx: { ...ctx, evidence: app.evidence }, pool: app.browserPool, log: serve.log });
  openReplayLane(app, lane);
  return app;
}
