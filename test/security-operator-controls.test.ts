// Controls that protect the operators are no flag's casualty: admin authentication, the console's
// CSRF token and Origin check and the sign-in lockout hold in every rollout phase, environment
// profile and emergency state. Console sessions: a sign-out control, sign-out ends the session's
// open event streams, and only failed sign-ins count towards the lockout.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { MAX_PHASE } from '../src/flags/registry.js';
import { buildApp } from '../src/http/app.js';
import type { AppContext } from '../src/http/context.js';
import { createContext } from '../src/http/service.js';
import { SESSION_RECHECK_MS } from '../src/security/console-auth.js';
import { LOGIN_ATTEMPTS_PER_15_MIN } from '../src/security/login-routes.js';
import { ManualClock } from '../src/common/clock.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { waitFor } from './support/wait-for.js';

const ADMIN = 'operator-admin-token-0123456789';
const ORIGIN = 'http://localhost';
const FORM = 'application/x-www-form-urlencoded';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const sessionOf = (res: LightMyRequestResponse) => res.cookies.find((c) => c.name === 'ds_session')?.value;

interface Running {
  tdb: TestDb;
  app: FastifyInstance;
  ctx: AppContext;
  clock: ManualClock;
}

async function start(env: 'development' | 'staging' | 'production'): Promise<Running> {
  const tdb = await createTestDb('sqlite');
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const config = loadConfig({
    DEALERSCOPE_ENV: env,
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    CURSOR_SECRET: 'operator-controls-cursor-secret-0123456789',
  });
  const ctx = await createContext(config, { db: tdb.db, clock });
  const app = await buildApp(ctx, { logger: false });
  await app.ready();
  return { tdb, app, ctx, clock };
}

async function signIn(app: FastifyInstance, remoteAddress = '127.0.0.1'): Promise<{ session: string; csrf: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/console/login',
    remoteAddress,
    headers: { 'content-type': FORM, origin: ORIGIN },
    payload: form({ token: ADMIN }),
  });
  expect(res.statusCode, res.body).toBe(303);
  const session = sessionOf(res) as string;
  const page = await app.inject({ method: 'GET', url: '/console', cookies: { ds_session: session }, headers: { accept: 'text/html' } });
  expect(page.statusCode).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
  expect(csrf).toBeTruthy();
  return { session, csrf };
}

describe.each(['development', 'staging', 'production'] as const)('operator controls in the %s profile', (env) => {
  let r: Running;
  beforeAll(async () => {
    r = await start(env);
  });
  afterAll(async () => {
    await r.app.close();
    await r.tdb.drop();
  });

  it('hold in every phase, with ENABLE_CSRF_PROTECTION off and while EMERGENCY_ROLLBACK is on', async () => {
    const { app, ctx } = r;
    const { session, csrf } = await signIn(app);
    const states: Array<[string, () => void]> = [];
    for (let phase = 0; phase <= MAX_PHASE; phase++)
      states.push([
        `phase ${phase}`,
        () => {
          ctx.flags.setOverrides({});
          ctx.flags.setPhase(phase);
        },
      ]);
    states.push([
      'CSRF flag off',
      () => {
        ctx.flags.setPhase(MAX_PHASE);
        ctx.flags.setOverrides({ ENABLE_CSRF_PROTECTION: false, ENABLE_RATE_LIMITING: false });
      },
    ]);
    states.push([
      'kill switch on',
      () => {
        ctx.flags.setPhase(MAX_PHASE);
        ctx.flags.setOverrides({ EMERGENCY_ROLLBACK: true });
      },
    ]);
    let address = 0;
    for (const [name, enter] of states) {
      enter();
      const label = `${env}, ${name}`;
      const cookies = { ds_session: session };
      // A page on another origin riding on the operator's session: refused, nothing changes.
      const before = ctx.flags.get('CACHE_MAX_SIZE');
      const forged = [
        {
          headers: { 'content-type': FORM, origin: 'https://evil.example' },
          payload: form({ _csrf: csrf, name: 'CACHE_MAX_SIZE', value: '7', reason: 'forged', confirm: 'CACHE_MAX_SIZE' }),
        },
        {
          headers: { 'content-type': FORM, origin: ORIGIN },
          payload: form({ name: 'CACHE_MAX_SIZE', value: '7', reason: 'forged', confirm: 'CACHE_MAX_SIZE' }),
        },
        {
          headers: { 'content-type': FORM },
          payload: form({ _csrf: csrf, name: 'CACHE_MAX_SIZE', value: '7', reason: 'forged', confirm: 'CACHE_MAX_SIZE' }),
        },
      ];
      for (const f of forged) {
        const res = await app.inject({ method: 'POST', url: '/console/flags', cookies, ...f });
        expect(res.statusCode, label).toBe(403);
      }
      for (const url of ['/console/rollout/advance', '/console/logout']) {
        const res = await app.inject({
          method: 'POST',
          url,
          cookies,
          headers: { 'content-type': FORM, origin: 'https://evil.example' },
          payload: form({ _csrf: csrf, reason: 'forged', confirm: 'advance', force: 'yes' }),
        });
        expect(res.statusCode, `${label} ${url}`).toBe(403);
      }
      expect(ctx.flags.get('CACHE_MAX_SIZE'), label).toBe(before);
      // Sign-in from another origin is refused.
      const foreignLogin = await app.inject({
        method: 'POST',
        url: '/console/login',
        remoteAddress: `10.9.0.${++address}`,
        headers: { 'content-type': FORM, origin: 'https://evil.example' },
        payload: form({ token: ADMIN }),
      });
      expect(foreignLogin.statusCode, label).toBe(403);
      // Admin authentication.
      expect((await app.inject({ method: 'GET', url: '/admin/feature-flags' })).statusCode, label).toBe(401);
      expect(
        (
          await app.inject({
            method: 'POST',
            url: '/admin/feature-flags',
            headers: { authorization: 'Bearer not-the-token', 'content-type': 'application/json' },
            payload: '{"ENABLE_CSRF_PROTECTION":false}',
          })
        ).statusCode,
        label,
      ).toBe(403);
      // The sign-in lockout.
      const from = `10.8.0.${++address}`;
      const wrong = () =>
        app.inject({
          method: 'POST',
          url: '/console/login',
          remoteAddress: from,
          headers: { 'content-type': FORM, origin: ORIGIN },
          payload: form({ token: 'wrong-token-wrong-token' }),
        });
      for (let i = 0; i < LOGIN_ATTEMPTS_PER_15_MIN; i++) expect((await wrong()).statusCode, label).toBe(401);
      expect((await wrong()).statusCode, label).toBe(429);
      // The genuine form still works in this state (its confirmed second step).
      const ok = await app.inject({
        method: 'POST',
        url: '/console/flags',
        cookies,
        headers: { 'content-type': FORM, origin: ORIGIN },
        payload: form({ _csrf: csrf, name: 'ENABLE_TTL_JITTER', value: 'true', reason: 'drill', confirm: 'ENABLE_TTL_JITTER' }),
      });
      expect(ok.statusCode, label).toBe(303);
    }
  }, 60_000);
});

describe('console sessions', () => {
  let r: Running;
  let url: string;
  beforeAll(async () => {
    r = await start('development');
    url = await r.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await r.app.close();
    await r.tdb.drop();
  });

  it('successful sign-ins do not count towards the lockout; failures do', async () => {
    const from = '10.7.0.1';
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_15_MIN + 5; i++) await signIn(r.app, from);
    const wrong = () =>
      r.app.inject({
        method: 'POST',
        url: '/console/login',
        remoteAddress: from,
        headers: { 'content-type': FORM, origin: ORIGIN },
        payload: form({ token: 'wrong-token-wrong-token' }),
      });
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_15_MIN; i++) expect((await wrong()).statusCode).toBe(401);
    expect((await wrong()).statusCode).toBe(429);
  });

  it('the console page has a sign-out control that ends the session', async () => {
    const { session, csrf } = await signIn(r.app);
    const page = await r.app.inject({ method: 'GET', url: '/console', cookies: { ds_session: session }, headers: { accept: 'text/html' } });
    const control =
      /<form class="signout" method="post" action="\/console\/logout"><input type="hidden" name="_csrf" value="([^"]+)">/.exec(page.body);
    expect(control?.[1]).toBe(csrf);
    const out = await r.app.inject({
      method: 'POST',
      url: '/console/logout',
      cookies: { ds_session: session },
      headers: { 'content-type': FORM, origin: ORIGIN },
      payload: form({ _csrf: csrf }),
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/console/login');
    const after = await r.app.inject({
      method: 'GET',
      url: '/console',
      cookies: { ds_session: session },
      headers: { accept: 'text/html' },
    });
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/console/login');
  });

  /** Opens /console/events with a session; collects what arrives and resolves `ended` when the server ends it. */
  function openStream(session: string): Promise<{ res: IncomingMessage; text: () => string; ended: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${url}/console/events`,
        { headers: { cookie: `ds_session=${session}`, accept: 'text/event-stream' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          const ended = new Promise<void>((done) => {
            res.on('end', done);
            res.on('close', done);
          });
          resolve({ res, text: () => text, ended });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  const within = <T>(p: Promise<T>, ms: number, what: string) =>
    Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${what} not within ${ms} ms`)), ms))]);
  const until = async (cond: () => boolean, what: string) => {
    await waitFor(what, cond, { timeoutMs: 2_000 });
  };

  it("signing out ends that session's open event streams at once, and no alert reaches them after", async () => {
    const mine = await signIn(r.app);
    const other = await signIn(r.app);
    const a = await openStream(mine.session);
    const b = await openStream(other.session);
    expect(a.res.statusCode).toBe(200);
    expect(b.res.statusCode).toBe(200);
    r.app.observability.alerts.publish({ severity: 'info', channel: 'deployments', source: 'test', title: 'before sign-out', detail: '' });
    await until(() => a.text().includes('before sign-out') && b.text().includes('before sign-out'), 'alert reached both streams');

    const out = await r.app.inject({
      method: 'POST',
      url: '/console/logout',
      cookies: { ds_session: mine.session },
      headers: { 'content-type': FORM, origin: ORIGIN },
      payload: form({ _csrf: mine.csrf }),
    });
    expect(out.statusCode).toBe(303);
    await within(a.ended, 2000, 'the signed-out stream ended');
    r.app.observability.alerts.publish({ severity: 'critical', channel: 'alerts', source: 'test', title: 'after sign-out', detail: '' });
    await until(() => b.text().includes('after sign-out'), 'the other session still receives alerts');
    expect(a.text()).not.toContain('after sign-out');
    b.res.destroy();
  });

  it('a stream whose session ended elsewhere (another replica, expiry) ends at its next check', async () => {
    const mine = await signIn(r.app);
    const s = await openStream(mine.session);
    expect(s.res.statusCode).toBe(200);
    // Another replica signed it out: the row is gone, this replica heard nothing.
    await r.tdb.db.kysely.deleteFrom('console_sessions').execute();
    r.clock.advance(SESSION_RECHECK_MS);
    await within(s.ended, 2000, 'the stream ended after the re-check');
  });
});
