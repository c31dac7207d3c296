// The SRE console over app.inject: sign-in required, CSRF on every form, flag toggles applied
// through the flag control plane; every change needs a reason (400 naming the field without one)
// and a typed confirmation on a second page.
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
  const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: new URLSearchParams(fields).toString(),
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    t = await buildTestApp(tdb.db);
    const login = await t.app.inject({
      method: 'POST',
      url: '/console/login',
      payload: `token=${TOKEN}`,
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
    const anon = await t.app.inject({
      method: 'POST',
      url: '/console/flags',
      payload: 'name=ENABLE_TTL_JITTER&value=false',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
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

  it('refuses a flag change with a blank reason: 400 naming the field, nothing changed', async () => {
    const before = t.ctx.flags.get('ENABLE_TTL_JITTER');
    for (const reason of [undefined, '', '   ']) {
      const fields: Record<string, string> = {
        _csrf: csrf,
        name: 'ENABLE_TTL_JITTER',
        value: String(!before),
        confirm: 'ENABLE_TTL_JITTER',
      };
      if (reason !== undefined) fields.reason = reason;
      const res = await post('/console/flags', fields);
      expect(res.statusCode, JSON.stringify(reason)).toBe(400);
      expect(res.body).toMatch(/role="alert"[^>]*data-field="reason">reason is required/);
      expect(res.body).toMatch(/name="reason"[^>]*aria-invalid="true"/);
      // The refusal page is the first step again: no confirm field to submit past it.
      expect(res.body).not.toContain('name="confirm"');
    }
    expect(t.ctx.flags.get('ENABLE_TTL_JITTER')).toBe(before);
  });

  it('asks for the typed flag name before it changes a flag; a wrong name is refused with 400', async () => {
    const before = t.ctx.flags.get('ENABLE_TTL_JITTER');
    const ask = await post('/console/flags', { _csrf: csrf, name: 'ENABLE_TTL_JITTER', value: String(!before), reason: 'console test' });
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain(`You are about to turn ENABLE_TTL_JITTER ${before ? 'off' : 'on'}`);
    expect(ask.body).toMatch(
      /<form class="confirm" method="post" action="\/console\/flags"><input type="hidden" name="_csrf" value="[^"]+">/,
    );
    expect(ask.body).toContain('name="confirm"');
    expect(ask.body).toContain('value="console test"');
    const wrong = await post('/console/flags', {
      _csrf: csrf,
      name: 'ENABLE_TTL_JITTER',
      value: String(!before),
      reason: 'console test',
      confirm: 'yes',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toMatch(
      /data-field="confirm">confirm must be exactly &#34;ENABLE_TTL_JITTER&#34;|data-field="confirm">confirm must be exactly &quot;ENABLE_TTL_JITTER&quot;/,
    );
    expect(t.ctx.flags.get('ENABLE_TTL_JITTER')).toBe(before);
    // The confirmation page posts with the same CSRF rule as every form.
    expect(
      (
        await post('/console/flags', {
          name: 'ENABLE_TTL_JITTER',
          value: String(!before),
          reason: 'console test',
          confirm: 'ENABLE_TTL_JITTER',
        })
      ).statusCode,
    ).toBe(403);
    expect(t.ctx.flags.get('ENABLE_TTL_JITTER')).toBe(before);
  });

  it('toggles a confirmed flag through the control plane, audits it with the reason and raises a deployments notice', async () => {
    const before = t.ctx.flags.get('ENABLE_TTL_JITTER');
    const res = await post('/console/flags', {
      _csrf: csrf,
      name: 'ENABLE_TTL_JITTER',
      value: String(!before),
      reason: 'console test',
      confirm: 'ENABLE_TTL_JITTER',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/result=flag-set/);
    expect(t.ctx.flags.get('ENABLE_TTL_JITTER')).toBe(!before);
    expect(t.ctx.flags.snapshot().sources.ENABLE_TTL_JITTER).toBe('override');
    expect((await t.ctx.flagControl.overrides()).ENABLE_TTL_JITTER).toBe(!before);
    const [entry] = await t.ctx.flagControl.audit(1, 'ENABLE_TTL_JITTER');
    expect(entry).toMatchObject({ new: !before, reason: 'console test' });
    const notice = t.app.observability.alerts.recent(5).find((a) => a.source === 'console');
    expect(notice?.channel).toBe('deployments');
    expect(notice?.title).toContain('ENABLE_TTL_JITTER');
    expect(notice?.detail).toContain('console test');
    const after = await page(res.headers.location as string);
    expect(after).toContain('Flag changed. (ENABLE_TTL_JITTER)');
    expect(after).toMatch(/<section id="flag-changes"[\s\S]*ENABLE_TTL_JITTER[\s\S]*console test/);
  });

  it('a percentage asks for confirmation too and says what share of clients it reaches', async () => {
    const ask = await post('/console/flags', { _csrf: csrf, name: 'ENABLE_SINGLE_FLIGHT', value: '25%', reason: 'canary' });
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('You are about to serve ENABLE_SINGLE_FLIGHT to 25 % of clients');
    expect(ask.body).toContain('name="value" value="25%"');
    expect(t.ctx.flags.snapshot().percentages.ENABLE_SINGLE_FLIGHT).toBeUndefined();
    const go = await post('/console/flags', {
      _csrf: csrf,
      name: 'ENABLE_SINGLE_FLIGHT',
      value: '25%',
      reason: 'canary',
      confirm: 'ENABLE_SINGLE_FLIGHT',
    });
    expect(go.statusCode).toBe(303);
    expect(t.ctx.flags.snapshot().percentages.ENABLE_SINGLE_FLIGHT?.percentage).toBe(25);
    await t.ctx.flagControl.clearOverrides(['ENABLE_SINGLE_FLIGHT'], { actor: 'test', reason: 'cleanup' });
  });

  it('rejects an unknown flag or a wrongly typed value', async () => {
    const bad = await post('/console/flags', { _csrf: csrf, name: 'MAX_BROWSER_CONTEXTS', value: 'lots' });
    expect(bad.headers.location).toMatch(/result=flag-invalid/);
    const unknown = await post('/console/flags', { _csrf: csrf, name: 'NOT_A_FLAG', value: 'true' });
    expect(unknown.headers.location).toMatch(/result=flag-invalid/);
  });

  it('asks for a reason and the typed word before a rollback; confirmed, the reason is in the decision record', async () => {
    const phase = (await t.ctx.rollout.status()).effectivePhase;
    const noReason = await post('/console/rollout/rollback', { _csrf: csrf, reason: '', confirm: 'rollback' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('data-field="reason"');
    const ask = await post('/console/rollout/rollback', { _csrf: csrf, reason: 'testing the console' });
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain(`You are about to roll back phase ${phase} (back to phase ${phase - 1})`);
    const wrong = await post('/console/rollout/rollback', { _csrf: csrf, reason: 'testing the console', confirm: 'yes' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('data-field="confirm"');
    expect((await t.ctx.rollout.status()).effectivePhase).toBe(phase);
    const go = await post('/console/rollout/rollback', { _csrf: csrf, reason: 'testing the console', confirm: 'rollback' });
    expect(go.headers.location).toMatch(/result=rolled-back/);
    expect((await t.ctx.rollout.status()).effectivePhase).toBe(phase - 1);
    const [d] = await t.ctx.rollout.decisions(1);
    expect(d).toMatchObject({ kind: 'rollback', reason: 'testing the console' });
  });

  it('a forced advance and a re-arm go through the same two steps', async () => {
    const noReason = await post('/console/rollout/advance', { _csrf: csrf, force: 'yes', confirm: 'advance' });
    expect(noReason.statusCode).toBe(400);
    const ask = await post('/console/rollout/advance', { _csrf: csrf, reason: 'soak done elsewhere', force: 'yes' });
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toMatch(/You are about to FORCE the rollout from phase \d to phase \d/);
    expect(ask.body).toContain('<input type="hidden" name="force" value="yes">');
    const phase = (await t.ctx.rollout.status()).effectivePhase;
    const go = await post('/console/rollout/advance', { _csrf: csrf, reason: 'soak done elsewhere', force: 'yes', confirm: 'advance' });
    expect(go.headers.location).toMatch(/result=advanced/);
    expect((await t.ctx.rollout.status()).effectivePhase).toBe(phase + 1);
    const [d] = await t.ctx.rollout.decisions(1);
    expect(d).toMatchObject({ kind: 'advance', reason: 'soak done elsewhere' });

    const rearmBlank = await post('/console/rollout/rearm', { _csrf: csrf, trigger: 'p95_latency', reason: ' ', confirm: 'p95_latency' });
    expect(rearmBlank.statusCode).toBe(400);
    expect(rearmBlank.body).toContain('data-field="reason"');
    const rearmAsk = await post('/console/rollout/rearm', { _csrf: csrf, trigger: 'p95_latency', reason: 'false alarm' });
    expect(rearmAsk.body).toContain('You are about to re-arm the latched trigger p95_latency');
    expect(rearmAsk.body).toContain('Type <code class="phrase">p95_latency</code> to confirm');
  });

  it('serves its script and stylesheet as files', async () => {
    const js = await t.app.inject('/console/assets/console.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain("new EventSource('/console/events')");
    expect((await t.app.inject('/console/assets/console.css')).headers['content-type']).toMatch(/text\/css/);
  });
});
