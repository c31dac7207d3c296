// The security capability's one entry point for the app (http/app.ts calls installSecurity):
// security headers, cookies and forms, request limits, rate limits, console sign-in with CSRF,
// and the admin import upload. CORS stays closed: no route sends Access-Control-Allow-* headers.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../shared/app-context.js';
import { rateLimitHook } from '../resilience/rate-limit.js';
import { adminImportRoutes } from './admin-imports.js';
import { installConsoleAuth } from './console-auth.js';
import { loginRoutes } from './login-routes.js';
import { installRequestLimits } from './request-limits.js';
import { installSecurityHeaders } from './security-headers.js';

export { csrfToken, dealerCsrfToken, protectDealerForm, protectForm, requireConsole, watchSession } from './console-auth.js';

export async function installSecurity(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installRequestLimits(app, ctx);
  await rateLimitHook(app, ctx);
  installSecurityHeaders(app);
  // Other capabilities may have registered these already; registering twice would throw.
  if (!app.hasDecorator('parseCookie')) await app.register(cookie);
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody, { bodyLimit: 64 * 1024 });
  const sessions = await installConsoleAuth(app, ctx);
  await app.register(loginRoutes, { ctx, sessions });
  await app.register(adminImportRoutes, { ctx });
}
