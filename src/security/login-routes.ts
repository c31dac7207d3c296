// GET/POST /console/login and POST /console/logout: the admin token is traded for an httpOnly,
// SameSite=Strict session cookie (Secure when the request came over https). Failed attempts are
// limited per client IP (shared through Redis when present; a successful sign-in gives its
// attempt back), the token is compared in constant time, and the form must come from this
// server's origin. None of this depends on a flag, phase or the kill switch: it protects the
// operators who use them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import client from 'prom-client';
import { LimiterUnavailableError, QuotaLimiter, type QuotaDecision } from './quota-limiter.js';
import { ApiError } from '../common/errors.js';
import { tokenId, tokensEqual } from './admin-auth.js';
import { checkOrigin, sessionCookie } from './console-auth.js';
import { SESSION_COOKIE, type SessionStore } from './sessions.js';
import type { Clock } from '../common/clock.js';
import type { ServiceConfig } from '../config/index.js';
import type { Metrics } from '../observability/index.js';
import type { RedisHandle } from '../storage/index.js';

export const LOGIN_ATTEMPTS_PER_15_MIN = 10;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(message: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DealerScope console — sign in</title></head>
<body>
<main>
<h1>DealerScope SRE console</h1>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/console/login">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required maxlength="512">
<button type="submit">Sign in</button>
</form>
</main>
</body></html>`;
}

function sendPage(reply: FastifyReply, status: number, message: string | null) {
  return reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send(loginPage(message));
}

/**
 * Counts one sign-in attempt for `subject` before any credential is compared, so parallel guesses
 * cannot all slip under the limit, and never fails open: an unreachable limiter answers 503.
 * Null when the attempt may go on, else the seconds to put in Retry-After. The console's and the
 * dealer's sign-in both count through it.
 */
export async function signInAttempt(attempts: QuotaLimiter, subject: string): Promise<string | null> {
  let decision: QuotaDecision;
  try {
    decision = await attempts.consume(subject);
  } catch (err) {
    if (err instanceof LimiterUnavailableError)
      throw new ApiError(503, 'login_limiter_unavailable', 'Sign-in is briefly unavailable; retry shortly', undefined, {
        'Retry-After': '1',
      });
    throw err;
  }
  return decision.allowed ? null : String(Math.max(1, Math.ceil(decision.resetMs / 1000)));
}

export async function loginRoutes(
  app: FastifyInstance,
  { ctx, sessions }: { ctx: { clock: Clock; config: ServiceConfig; metrics: Metrics; redis: RedisHandle | null }; sessions: SessionStore },
): Promise<void> {
  const attempts = new QuotaLimiter({
    redis: ctx.redis,
    keyPrefix: `${ctx.config.raw.RATE_LIMIT_KEY_PREFIX?.trim() || 'dealerscope:rl:'}login:`,
    points: LOGIN_ATTEMPTS_PER_15_MIN,
    durationSec: 15 * 60,
  });
  const failures = new client.Counter({
    name: 'dealerscope_console_login_failures_total',
    help: 'Rejected console sign-in attempts',
    registers: [ctx.metrics.registry],
  });

  app.get('/console/login', { schema: { hide: true } }, async (_request, reply) => sendPage(reply, 200, null));

  app.post(
    '/console/login',
    {
      schema: { hide: true },
      // Refuse anything but a form before the body is read.
      onRequest: async (request: FastifyRequest) => {
        const type = String(request.headers['content-type'] ?? '')
          .split(';')[0]
          ?.trim()
          .toLowerCase();
        if (type !== 'application/x-www-form-urlencoded') {
          throw new ApiError(415, 'unsupported_media_type', 'Sign-in takes application/x-www-form-urlencoded');
        }
      },
      bodyLimit: 4096,
    },
    async (request, reply) => {
      checkOrigin(request);
      const subject = `ip:${request.ip}`;
      const retry = await signInAttempt(attempts, subject);
      if (retry !== null) {
        reply.header('Retry-After', retry);
        return sendPage(reply, 429, `Too many sign-in attempts; try again in ${retry} s.`);
      }
      const body = request.body as Record<string, unknown> | null;
      const token = body && typeof body.token === 'string' ? body.token : '';
      if (!token || token.length > 512 || !tokensEqual(token, ctx.config.adminToken)) {
        failures.inc();
        return sendPage(reply, 401, 'That token was not accepted.');
      }
      // Only failures count towards the lockout.
      await attempts.refund(subject).catch((err: unknown) => request.log.warn({ err }, 'sign-in attempt not refunded'));
      const { token: session, expiresAt } = await sessions.create(tokenId(token), ctx.clock.now());
      reply.setCookie(SESSION_COOKIE, session, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: '/',
        expires: new Date(expiresAt),
      });
      return reply.redirect('/console', 303);
    },
  );

  // The app-wide CSRF rule covers this route: a cross-site logout cannot be forced either.
  app.post('/console/logout', { schema: { hide: true }, bodyLimit: 4096 }, async (request, reply) => {
    await sessions.destroy(sessionCookie(request));
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
    return reply.redirect('/console/login', 303);
  });
}
