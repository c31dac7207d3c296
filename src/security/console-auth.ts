// Console authentication and CSRF for the SRE console's routes:
//   requireConsole  preHandler: a valid session cookie or the admin bearer token. Browser GETs
//                   without a session are redirected to /console/login; others get 401/403.
//   csrfToken(req)  the CSRF token to put in a form's hidden `_csrf` field (after requireConsole).
//   protectForm     preHandler: with ENABLE_CSRF_PROTECTION on, a state-changing request that is
//                   authenticated by the session cookie needs a matching Origin (or Referer) and
//                   the session's CSRF token in `_csrf` or `X-CSRF-Token`; bearer clients are exempt.
// The same CSRF rule also runs app-wide (installConsoleAuth's preHandler hook) for every
// state-changing request that carries the session cookie, so a route that forgets protectForm is
// still covered.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.js';
import { ApiError } from '../shared/errors.js';
import { sharedSecret } from '../storage/settings.js';
import { bearerToken, tokensEqual, tokenId } from './admin-auth.js';
import { SESSION_COOKIE, SessionStore, sessionTtlMs } from './sessions.js';

export interface ConsoleGuard {
  ctx: AppContext;
  sessions: SessionStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    consoleGuard: ConsoleGuard;
  }
  interface FastifyRequest {
    /** Set by requireConsole. */
    consoleAuth?: { kind: 'session'; actor: string; token: string } | { kind: 'bearer'; actor: string };
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function guardOf(request: FastifyRequest): ConsoleGuard {
  return request.server.consoleGuard;
}

export function sessionCookie(request: FastifyRequest): string | undefined {
  const v = request.cookies?.[SESSION_COOKIE];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

/** Origin of this server as the browser sees it (scheme from the socket or a trusted proxy). */
export function ownOrigin(request: FastifyRequest): string | null {
  try {
    // URL drops a default port, as browsers do in Origin.
    return new URL(`${request.protocol}://${request.host}`).origin;
  } catch {
    return null;
  }
}

/** The request's Origin, or the origin of its Referer when a browser sent no Origin. */
function claimedOrigin(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer === 'string') {
    try {
      return new URL(referer).origin;
    } catch {
      return null;
    }
  }
  return null;
}

/** 403 unless Origin/Referer names this server. */
export function checkOrigin(request: FastifyRequest): void {
  const claimed = claimedOrigin(request);
  if (claimed === null) throw new ApiError(403, 'csrf_origin_missing', 'State-changing browser requests need an Origin or Referer header');
  const own = ownOrigin(request);
  if (own === null || claimed !== own) throw new ApiError(403, 'csrf_origin_mismatch', 'Origin does not match this server');
}

function presentedCsrf(request: FastifyRequest): string | null {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | null | undefined;
  if (body && typeof body === 'object' && typeof body._csrf === 'string') return body._csrf;
  return null;
}

function enforceCsrf(request: FastifyRequest): void {
  const g = guardOf(request);
  if (!g.ctx.flags.get('ENABLE_CSRF_PROTECTION')) return;
  if (SAFE_METHODS.has(request.method)) return;
  // Bearer clients are not riding on ambient browser credentials, so there is nothing to forge.
  if (bearerToken(request) !== null) return;
  const cookie = sessionCookie(request);
  if (!cookie) return;
  checkOrigin(request);
  const given = presentedCsrf(request);
  if (given === null) throw new ApiError(403, 'csrf_token_missing', 'CSRF token required (_csrf field or X-CSRF-Token header)');
  if (!tokensEqual(given, g.sessions.csrfFor(cookie))) throw new ApiError(403, 'csrf_token_invalid', 'CSRF token does not match the session');
}

export async function requireConsole(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const g = guardOf(request);
  const bearer = bearerToken(request);
  if (bearer !== null) {
    if (!tokensEqual(bearer, g.ctx.config.adminToken)) throw new ApiError(403, 'forbidden', 'Admin token not accepted');
    request.consoleAuth = { kind: 'bearer', actor: tokenId(bearer) };
    return;
  }
  const cookie = sessionCookie(request);
  const session = await g.sessions.find(cookie, g.ctx.clock.now());
  if (session && cookie) {
    request.consoleAuth = { kind: 'session', actor: session.actor, token: cookie };
    return;
  }
  if (request.method === 'GET' && wantsHtml(request)) {
    await reply.redirect('/console/login', 303);
    return;
  }
  throw new ApiError(401, 'unauthorized', 'Console session or admin bearer token required', undefined, { 'WWW-Authenticate': 'Bearer' });
}

/** The CSRF token for the current session ('' for bearer clients, who need none). */
export function csrfToken(request: FastifyRequest): string {
  const auth = request.consoleAuth;
  const cookie = auth?.kind === 'session' ? auth.token : sessionCookie(request);
  return cookie ? guardOf(request).sessions.csrfFor(cookie) : '';
}

export async function protectForm(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  enforceCsrf(request);
}

/** Decorates the app with the session store and installs the app-wide CSRF rule. */
export async function installConsoleAuth(app: FastifyInstance, ctx: AppContext): Promise<SessionStore> {
  const secret = await sharedSecret(ctx.db, 'csrf_secret');
  const sessions = new SessionStore(ctx.db, sessionTtlMs(ctx.config.raw), secret);
  app.decorate('consoleGuard', { ctx, sessions });
  app.addHook('preHandler', async (request) => {
    // Login has no session yet; its own route checks Origin.
    if (request.routeOptions.url === '/console/login') return;
    enforceCsrf(request);
  });
  return sessions;
}
