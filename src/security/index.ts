// The security capability's public module (other folders import this file only; npm run
// lint:deps counts any other import) and its entry point for the app (http/app.ts calls installSecurity):
// security headers, cookies and forms, request limits, rate limits (resilience's hook, handed in
// by the app so that security never imports resilience), console sign-in with CSRF. CORS stays closed: no route sends Access-Control-Allow-* headers.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { installConsoleAuth } from './console-auth.js';
import { loginRoutes } from './login-routes.js';
export { signInAttempt } from './login-routes.js';
import { installRequestLimits } from './request-limits.js';
import { installSecurityHeaders } from './security-headers.js';

export { requireAdmin } from './admin-auth.js';
export {
  DEFAULT_KEY_QUOTA_PER_MINUTE,
  findActiveKey,
  hashApiKey,
  invalidateKeyLookups,
  issueApiKey,
  listApiKeys,
  looksLikeApiKey,
  rememberedActiveKey,
  rememberedLookup,
  revokeApiKey,
  type ApiKeyInfo,
} from './api-keys.js';
import type { Clock } from '../common/clock.js';
import type { ServiceConfig } from '../config/index.js';
import type { FlagService } from '../flags/index.js';
import type { Metrics, Signals } from '../observability/index.js';
import type { Db, RedisHandle } from '../storage/index.js';
export {
  checkDealerSession,
  checkOrigin,
  csrfToken,
  dealerCsrfToken,
  protectDealerForm,
  protectForm,
  requireConsole,
  watchSession,
} from './console-auth.js';
export { securityMigration } from './migrations.js';
export { LimiterUnavailableError, QuotaLimiter, QuotaLimiters, type QuotaDecision } from './quota-limiter.js';
export { MAX_HEADER_BYTES } from './request-limits.js';
export { SessionStore } from './sessions.js';

export interface SecurityInstallOptions {
  /** Installs the /api/* rate limits; runs right after the request limits, before any route. */
  rateLimits: (app: FastifyInstance, ctx: SecurityDeps) => Promise<void>;
}

/** Everything the security installers read, together: request limits, the rate limits, console sign-in. */
export type SecurityDeps = {
  flags: FlagService;
  config: ServiceConfig;
  redis: RedisHandle | null;
  clock: Clock;
  db: Db;
  metrics: Metrics;
  signals: Signals;
};

export async function installSecurity(app: FastifyInstance, ctx: SecurityDeps, opts: SecurityInstallOptions): Promise<void> {
  installRequestLimits(app, ctx);
  await opts.rateLimits(app, ctx);
  installSecurityHeaders(app);
  // Other capabilities may have registered these already; registering twice would throw.
  if (!app.hasDecorator('parseCookie')) await app.register(cookie);
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody, { bodyLimit: 64 * 1024 });
  const sessions = await installConsoleAuth(app, ctx);
  await app.register(loginRoutes, { ctx, sessions });
}
