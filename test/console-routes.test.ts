// The SRE console over app.inject: sign-in required, CSRF on every form, flag toggles applied
// through the flag control plane, rollout actions need a reason and confirmation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './support/app.js';
import { createTestDb, type TestDb } from './support/databases.js';

const TOKEN = 'test-admin-token-0123456789';
const ORIGIN = 'http://localhost';

describe('SRE console routes', () => {
  let tdb: TestDb;
  let t: TestApp;
  let cookie: string;
  let csrf: string;

  const page = async (url = '/console') => {
    const res = await t.app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) => t.app.inject({
    method: 'POST', url, payload: new URLSearchParams(fields).toString(),
    headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    t = await buildTestApp(tdb.db);
    const login = await t.app.inject({
      method: 'POST', url: '/console/login', payload: `token=${TOKEN}`,
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(login.statusCode).toBeLessThan(400);
    const set = String(login.headers['set-cookie'] ?? '');
    cookie = set.split(';')[0] as string;
    expect(cookie).toMatch(/=/);
    csrf = /name="_csrf" value="([^"]+)"/.exec(await page())?.[1] as string;
    expect(csrf).toBeTruthy();
  });
  afterAll(async () => {
    await t?.app.close();
    await tdb?.drop();
  });

  it('requires a console session for every data route', async () => {
    const html = await t.app.inject({ method: 'GET', url: '/console', headers: { accept: 'text/html' } });
    expect(html.statusCode).toBe(303);
    expect(html.headers.location).toBe('/console/login');
    for (const url of ['/console', '/console/events']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
    const anon = await t.app.inject({ method: 'POST', url: '/console/flags', payload: 'name=ENABLE_TTL_JITTER&value=false', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(anon.statusCode).toBe(401);
  });

  it('renders live tiles, the alert feed, the rollout and every flag with a CSRF token', async () => {
    const body = await page();
    for (const key of ['p95', 'rss', 'error_rate', 'hit_rate']) expect(body).toContain(`data-key="${key}"`);
    expect(body).toMatch(/Resident memory<\/div>\s*<div class="value">\d+\.\d MB/);
    expect(body).toContain('id="alerts"');
    expect(body).toContain('/console/assets/console.js');
    expect(body).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    expect(body).toContain('data-flag-row="EMERGENCY_ROLLBACK"');
    expect(body).toContain('action="/console/rollout/advance"');
    expect(body).toMatch(/Gate \d → \S+/);
  });

  it('refuses a flag form without the CSRF token and changes nothing', async () => {
    const before = t.ctx.flags.get('ENABLE_TTL_JITTER');
    const res = await post('/console/flags', { name: 'ENABLE_TTL_JITTER', value: String(!before) });
    expect(res.statusCode).toBe(403);
    expect(t.ctx.flags.get('ENABLE_TTL_JITTER')).toBe(before);
  });

  it('toggles a flag through the control plane, audits it and raises a deployments notice', async () => {
    const before = t.ctx.flags.get('ENABLE_TTL_JITTER');
    const res = await post('/console/flags', { _csrf: csrf, name: 'ENABLE_TTL_JITTER', value: String(!before), reason: 'console test' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/result=flag-set/);
    expect(t.ctx.flags.get('ENABLE_TTL_JITTER')).toBe(!before);
    expect(t.ctx.flags.snapshot().sources.ENABLE_TTL_JITTER).toBe('override');
    expect((await t.ctx.flagControl.overrides()).ENABLE_TTL_JITTER).toBe(!before);
    const notice = t.app.observability.alerts.recent(5).find((a) => a.source === 'console');
    expect(notice?.channel).toBe('deployments');
    expect(notice?.title).toContain('ENABLE_TTL_JITTER');
    expect(await page(res.headers.location as string)).toContain('Flag changed. (ENABLE_TTL_JITTER)');
  });

  it('rejects an unknown flag or a wrongly typed value', async () => {
    const bad = await post('/console/flags', { _csrf: csrf, name: 'MAX_BROWSER_CONTEXTS', value: 'lots' });
    expect(bad.headers.location).toMatch(/result=flag-invalid/);
    const unknown = await post('/console/flags', { _csrf: csrf, name: 'NOT_A_FLAG', value: 'true' });
    expect(unknown.headers.location).toMatch(/result=flag-invalid/);
  });

  it('asks for a reason and a confirmation before a rollback', async () => {
    const phase = (await t.ctx.rollout.status()).effectivePhase;
    const noReason = await post('/console/rollout/rollback', { _csrf: csrf, reason: '', confirm: 'yes' });
    expect(noReason.headers.location).toMatch(/result=reason-required/);
    const noConfirm = await post('/console/rollout/rollback', { _csrf: csrf, reason: 'testing the console' });
    expect(noConfirm.headers.location).toMatch(/result=confirm-required/);
    expect((await t.ctx.rollout.status()).effectivePhase).toBe(phase);
  });

  it('serves its script and stylesheet as files', async () => {
    const js = await t.app.inject('/console/assets/console.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain("new EventSource('/console/events')");
    expect((await t.app.inject('/console/assets/console.css')).headers['content-type']).toMatch(/text\/css/);
  });
});
