// Console sign-in, server-side sessions, requireConsole / csrfToken / protectForm, the app-wide
// CSRF rule, security headers and closed CORS, on the real app and SQLite database.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { buildApp } from '../src/http/app.js';
import type { AppContext } from '../src/http/context.js';
import { createContext } from '../src/http/service.js';
import { csrfToken, protectForm, requireConsole } from '../src/security/index.js';
import { LOGIN_ATTEMPTS_PER_15_MIN } from '../src/security/login-routes.js';
import { ManualClock } from '../src/common/clock.js';
import { createTestDb, type TestDb } from './support/databases.js';

const ADMIN = 'console-admin-token-0123456789';
const ORIGIN = 'http://localhost';
const FORM = 'application/x-www-form-urlencoded';

describe('console authentication and CSRF', () => {
  let tdb: TestDb;
  let app: FastifyInstance;
  let ctx: AppContext;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    const config = loadConfig({
      DEALERSCOPE_ENV: 'development',
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      CONSOLE_SESSION_TTL_MINUTES: '60',
    });
    ctx = await createContext(config, { db: tdb.db, clock });
    app = await buildApp(ctx, { logger: false });
    // Stand-ins for console pages, wired exactly as the console routes use the exports.
    app.get('/console/probe', { preHandler: requireConsole }, async (request) => ({
      csrf: csrfToken(request),
      auth: request.consoleAuth?.kind,
    }));
    app.post('/console/probe', { preHandler: [requireConsole, protectForm] }, async () => ({ changed: true }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await tdb.drop();
  });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const cookieOf = (res: LightMyRequestResponse) => res.cookies.find((c) => c.name === 'ds_session');

  async function login(remoteAddress = '127.0.0.1'): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/console/login',
      remoteAddress,
      headers: { 'content-type': FORM, origin: ORIGIN },
      payload: form({ token: ADMIN }),
    });
    expect(res.statusCode, res.body).toBe(303);
    const c = cookieOf(res);
    expect(c).toBeDefined();
    return c!.value;
  }

  it('serves a sign-in form posting the field "token"', async () => {
    const res = await app.inject({ method: 'GET', url: '/console/login' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/<form method="post" action="\/console\/login">/);
    expect(res.body).toMatch(/name="token"/);
    expect(res.body).not.toMatch(/<script/);
  });

  it('trades the admin token for an httpOnly SameSite=Strict session cookie stored server-side', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': FORM, origin: ORIGIN },
      payload: form({ token: ADMIN }),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console');
    const c = cookieOf(res)!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Strict');
    expect(c.secure).toBeFalsy(); // plain http here; https requests get Secure
    const rows = await tdb.db.kysely.selectFrom('console_sessions').selectAll().execute();
    expect(rows.some((r) => r.id_hash !== c.value && Number(r.expires_at) === clock.now() + 60 * 60_000)).toBe(true);
    const probe = await app.inject({ method: 'GET', url: '/console/probe', cookies: { ds_session: c.value } });
    expect(probe.statusCode).toBe(200);
    expect(probe.json().auth).toBe('session');
    expect(probe.json().csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a wrong token, a non-form body and a cross-origin sign-in', async () => {
    const wrong = await app.inject({
      method: 'POST',
      url: '/console/login',
      remoteAddress: '10.0.0.2',
      headers: { 'content-type': FORM, origin: ORIGIN },
      payload: form({ token: `${ADMIN}x` }),
    });
    expect(wrong.statusCode).toBe(401);
    expect(cookieOf(wrong)).toBeUndefined();
    const json = await app.inject({
      method: 'POST',
      url: '/console/login',
      remoteAddress: '10.0.0.2',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      payload: JSON.stringify({ token: ADMIN }),
    });
    expect(json.statusCode).toBe(415);
    const foreign = await app.inject({
      method: 'POST',
      url: '/console/login',
      remoteAddress: '10.0.0.2',
      headers: { 'content-type': FORM, origin: 'https://evil.example' },
      payload: form({ token: ADMIN }),
    });
    expect(foreign.statusCode).toBe(403);
    expect(cookieOf(foreign)).toBeUndefined();
  });

  it('limits sign-in attempts per address', async () => {
    const attempt = () =>
      app.inject({
        method: 'POST',
        url: '/console/login',
        remoteAddress: '10.0.0.77',
        headers: { 'content-type': FORM, origin: ORIGIN },
        payload: form({ token: 'not-the-token-at-all' }),
      });
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_15_MIN; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right token waits out the limit from that address.
    const right = await app.inject({
      method: 'POST',
      url: '/console/login',
      remoteAddress: '10.0.0.77',
      headers: { 'content-type': FORM, origin: ORIGIN },
      payload: form({ token: ADMIN }),
    });
    expect(right.statusCode).toBe(429);
  });

  it('redirects browsers without a session to the sign-in page and answers API clients 401/403', async () => {
    const html = await app.inject({ method: 'GET', url: '/console/probe', headers: { accept: 'text/html' } });
    expect(html.statusCode).toBe(303);
    expect(html.headers.location).toBe('/console/login');
    expect((await app.inject({ method: 'GET', url: '/console/probe' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/console/probe', cookies: { ds_session: 'A'.repeat(43) } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/console/probe', headers: { authorization: 'Bearer wrong-token' } })).statusCode).toBe(
      403,
    );
    const bearer = await app.inject({ method: 'GET', url: '/console/probe', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(bearer.json()).toEqual({ csrf: '', auth: 'bearer' });
  });

  it('needs the session-bound CSRF token and a matching Origin for cookie-authenticated changes', async () => {
    const session = await login();
    const other = await login();
    const token = (await app.inject({ method: 'GET', url: '/console/probe', cookies: { ds_session: session } })).json().csrf as string;
    const otherToken = (await app.inject({ method: 'GET', url: '/console/probe', cookies: { ds_session: other } })).json().csrf as string;
    const post = (headers: Record<string, string>, fields: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/console/probe',
        cookies: { ds_session: session },
        headers: { 'content-type': FORM, ...headers },
        payload: form(fields),
      });

    const cases: Array<[string, Record<string, string>, Record<string, string>, string]> = [
      ['missing token', { origin: ORIGIN }, {}, 'csrf_token_missing'],
      ['forged token', { origin: ORIGIN }, { _csrf: 'x'.repeat(43) }, 'csrf_token_invalid'],
      ["another session's token", { origin: ORIGIN }, { _csrf: otherToken }, 'csrf_token_invalid'],
      ['wrong Origin', { origin: 'https://evil.example' }, { _csrf: token }, 'csrf_origin_mismatch'],
      ['wrong Referer, no Origin', { referer: 'https://evil.example/page' }, { _csrf: token }, 'csrf_origin_mismatch'],
      ['no Origin or Referer', {}, { _csrf: token }, 'csrf_origin_missing'],
    ];
    for (const [name, headers, fields, code] of cases) {
      const res = await post(headers, fields);
      expect(res.statusCode, name).toBe(403);
      expect(res.json().error.code, name).toBe(code);
    }
    expect((await post({ origin: ORIGIN }, { _csrf: token })).statusCode).toBe(200);
    expect((await post({ referer: `${ORIGIN}/console`, 'x-csrf-token': token }, {})).statusCode).toBe(200);
    // Bearer clients carry no ambient credentials: exempt.
    const bearer = await app.inject({
      method: 'POST',
      url: '/console/probe',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': FORM },
      payload: form({}),
    });
    expect(bearer.statusCode).toBe(200);
    // Operator forms keep the check whatever the dealer-facing flag says.
    ctx.flags.setOverrides({ ENABLE_CSRF_PROTECTION: false });
    expect((await post({}, {})).statusCode).toBe(403);
    ctx.flags.setOverrides({});
  });

  it('logs out with a CSRF-protected POST that ends the session everywhere', async () => {
    const session = await login();
    const token = (await app.inject({ method: 'GET', url: '/console/probe', cookies: { ds_session: session } })).json().csrf as string;
    const forced = await app.inject({
      method: 'POST',
      url: '/console/logout',
      cookies: { ds_session: session },
      headers: { 'content-type': FORM, origin: 'https://evil.example' },
      payload: form({ _csrf: token }),
    });
    expect(forced.statusCode).toBe(403);
    const out = await app.inject({
      method: 'POST',
      url: '/console/logout',
      cookies: { ds_session: session },
      headers: { 'content-type': FORM, origin: ORIGIN },
      payload: form({ _csrf: token }),
    });
    expect(out.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: '/console/probe', cookies: { ds_session: session } })).statusCode).toBe(401);
  });

  it('expires sessions by the injected clock', async () => {
    const session = await login();
    clock.advance(61 * 60_000);
    expect((await app.inject({ method: 'GET', url: '/console/probe', cookies: { ds_session: session } })).statusCode).toBe(401);
  });

  it('sends security headers and no CORS grant', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/opportunities', headers: { origin: 'https://evil.example' } });
    // JSON: a policy that allows nothing at all; the console's pages: their own origin's files only.
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    const page = await app.inject({ method: 'GET', url: '/console' });
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/opportunities',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});
