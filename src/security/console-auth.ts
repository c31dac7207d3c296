// Console authentication and CSRF for the SRE console's routes:
//   requireConsole  preHandler: a valid session cookie or the admin bearer token. Browser GETs
//                   without a session are redirected to /console/login; others get 401/403.
//   csrfToken(req)  the CSRF token to put in a form's hidden `_csrf` field (after requireConsole).
//   protectForm     preHandler: a state-changing request that is authenticated by the session
//                   cookie needs a matching Origin (or Referer) and the session's CSRF token in
//                   `_csrf` or `X-CSRF-Token`; bearer clients are exempt.
// The same CSRF rule also runs app-wide (installConsoleAuth's preHandler hook) for every
// state-changing request that carries the session cookie, so a route that forgets protectForm is
// still covered.
//
// Operator controls are never a flag's casualty: these checks run in every rollout phase, profile
// and emergency state. ENABLE_CSRF_PROTECTION governs the dealer-facing forms only
// (protectDealerForm), whose sessions are not operator sessions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors.js';
import { sharedSecret } from '../storage/index.js';
import { bearerToken, tokensEqual, tokenId } from './admin-auth.js';
import { SESSION_COOKIE, SessionStore, sessionTtlMs } from './sessions.js';
import type { Clock } from '../common/clock.js';
import type { ServiceConfig } from '../config/index.js';
import type { FlagService } from '../flags/index.js';
import type { Db } from '../storage/index.js';

/** What console sign-in reads: the flags (CSRF), the admin token, the clock and the database (sessions, its secret). */
export type ConsoleAuthDeps = { clock: Clock; config: ServiceConfig; db: Db; flags: FlagService };

export interface ConsoleGuard {
  ctx: ConsoleAuthDeps;
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

/** Origin and the session-bound token `expected` for a state change riding on a session cookie. */
function checkCsrf(request: FastifyRequest, expected: string): void {
  checkOrigin(request);
  const given = presentedCsrf(request);
  if (given === null) throw new ApiError(403, 'csrf_token_missing', 'CSRF token required (_csrf field or X-CSRF-Token header)');
  if (!tokensEqual(given, expected)) throw new ApiError(403, 'csrf_token_invalid', 'CSRF token does not match the session');
}

/** The operator rule: no flag, phase or emergency state switches it off. */
function enforceCsrf(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  // Bearer clients are not riding on ambient browser credentials, so there is nothing to forge.
  if (bearerToken(request) !== null) return;
  const cookie = sessionCookie(request);
  if (!cookie) return;
  checkCsrf(request, guardOf(request).sessions.csrfFor(cookie));
}

/**
 * preHandler for dealer-facing forms: with ENABLE_CSRF_PROTECTION on (read per request), a state
 * change riding on the dealer session cookie `sessionOf` returns needs this server's Origin and
 * that session's CSRF token (dealerCsrfToken).
 */
export function protectDealerForm(sessionOf: (request: FastifyRequest) => string | undefined) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => checkDealerSession(request, sessionOf(request));
}

/**
 * The same rule for any request a dealer session cookie authenticates, the JSON API's included:
 * a cross-site form can post there as well as to a page (with ENABLE_CSRF_PROTECTION on).
 */
export function checkDealerSession(request: FastifyRequest, cookie: string | undefined): void {
  if (!guardOf(request).ctx.flags.get('ENABLE_CSRF_PROTECTION') || SAFE_METHODS.has(request.method)) return;
  if (cookie) checkCsrf(request, dealerCsrfToken(request, cookie));
}

/** The CSRF token bound to a dealer session cookie, for dealer forms' hidden `_csrf` field. */
export function dealerCsrfToken(request: FastifyRequest, sessionCookieValue: string): string {
  return guardOf(request).sessions.csrfFor(`dealer:${sessionCookieValue}`);
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
  // Dealer sign-ins share the session table; they never open the console.
  if (session && cookie && !session.actor.startsWith('dealer:')) {
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

/** How often an open event stream re-checks its session (sign-out on another replica, expiry). */
export const SESSION_RECHECK_MS = 5000;

/**
 * Calls `onEnd` once the session behind `request` ends: at once when this replica signs it out,
 * within SESSION_RECHECK_MS when another replica does or it expires. Returns the unsubscribe.
 * Bearer clients have no session to end.
 */
export function watchSession(request: FastifyRequest, onEnd: () => void): () => void {
  const auth = request.consoleAuth;
  if (auth?.kind !== 'session') return () => {};
  const { ctx, sessions } = guardOf(request);
  const id = SessionStore.idOf(auth.token);
  let stopped = false;
  let timer: { cancel(): void } | null = null;
  const finish = () => {
    if (stopped) return;
    stop();
    onEnd();
  };
  const onEnded = (ended: string) => {
    if (ended === id) finish();
  };
  const recheck = () => {
    sessions.find(auth.token, ctx.clock.now()).then(
      (s) => {
        if (stopped) return;
        if (s === null) finish();
        else timer = ctx.clock.setTimeout(recheck, SESSION_RECHECK_MS);
      },
      () => {
        // The database is away: keep the stream; the next check decides.
        if (!stopped) timer = ctx.clock.setTimeout(recheck, SESSION_RECHECK_MS);
      },
    );
  };
  const stop = () => {
    stopped = true;
    timer?.cancel();
    sessions.off('ended', onEnded);
  };
  sessions.on('ended', onEnded);
  timer = ctx.clock.setTimeout(recheck, SESSION_RECHECK_MS);
  return stop;
}

export async function protectForm(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  enforceCsrf(request);
}

/** Decorates the app with the session store and installs the app-wide CSRF rule. */
export async function installConsoleAuth(app: FastifyInstance, ctx: ConsoleAuthDeps): Promise<SessionStore> {
  const secret = await sharedSecret(ctx.db, 'csrf_secret');
  const sessions = new SessionStore(ctx.db, sessionTtlMs(ctx.config.raw), secret);
  app.decorate('consoleGuard', { ctx, sessions });
  // Callback-style: it runs on every request, and an async hook costs a promise per request.
  app.addHook('preHandler', (request, _reply, done) => {
    // Login has no session yet; its own route checks Origin.
    if (request.routeOptions.url === '/console/login') {
      done();
      return;
    }
    try {
      enforceCsrf(request);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });
  return sessions;
}
