// Assembles the Fastify server from the capabilities' route plugins.
import { hash, randomUUID } from 'node:crypto';
import etag from '@fastify/etag';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { ErrorSchema, OpportunitySchema } from '../opportunities/api-schema.js';
import { routeLabel } from '../observability/metrics.js';
import { installObservability } from '../observability/install.js';
import { installConsole } from '../console/index.js';
import { dealerPage } from '../dealer/page.js';
import { loggerOptions } from '../observability/logging.js';
import { opportunityRoutes } from '../opportunities/routes.js';
import { cachePlugin } from '../cache/plugin.js';
import type { AppContext } from './context.js';
import { installErrorHandling } from './errors.js';
import { installRollout } from '../rollout/routes.js';
import { healthRoutes } from './health-routes.js';
import { qualityRoutes } from '../quality/routes.js';
import { trustedProxies } from '../resilience/rate-limit.js';
import { installSecurity } from '../security/index.js';
import { installEvidence } from './evidence-wiring.js';
import { installIncidents } from './incident-wiring.js';

export interface BuildAppOptions {
  logger?: boolean;
  /** Where JSON log lines go (default stdout); tests capture them. */
  logStream?: { write(line: string): void };
  /** Run background work (incident escalation, alert delivery, readiness watch): serving processes. */
  background?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(ctx: AppContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : loggerOptions(ctx.config.logLevel, opts.logStream),
    // A caller's request id is kept when it is sane, so one id follows a request across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    // Unknown keys in JSON bodies are reported, never silently stripped.
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array' } },
    forceCloseConnections: 'idle',
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names.
    trustProxy: trustedProxies(ctx.config.trustProxy),
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.httpDuration.observe(
      { method: request.method, route: routeLabel(request.routeOptions.url), status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  installErrorHandling(app);
  await installSecurity(app, ctx);
  installObservability(app, ctx);
  // Routes with large cached bodies set their own ETag from a memoised digest; the plugin hashes
  // the rest natively and answers If-None-Match for all.
  await app.register(etag, { hashFn: (payload) => hash('sha1', payload, 'base64') });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'DealerScope API', version: '5.0.0', description: 'Profitable vehicles at public auctions.' },
    },
  });
  app.addSchema(OpportunitySchema);
  app.addSchema(ErrorSchema);

  await app.register(healthRoutes, { ctx });
  await app.register(opportunityRoutes, { ctx });
  await app.register(cachePlugin, { ctx });
  await app.register(qualityRoutes, { ctx });
  await installRollout(app, ctx);
  await installConsole(app, ctx);
  const incidents = await installIncidents(app, ctx, { background: opts.background ?? false });
  await installEvidence(app, ctx, { background: opts.background ?? false });
  await app.register(dealerPage, { ctx, notices: async () => (await incidents.publicStatus()).dealerNotices });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    reply.header('Content-Type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
