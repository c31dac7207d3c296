// Incidents under an injected clock on SQLite: the timeline setting, step 4 reaching dealers
// through the directory port (and skipped when not user-facing), a step with no destination
// shown as such, "/readyz failing on every replica for 60 s", the console page's buttons with
// CSRF, and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Incidents, incidentSettings, parseSteps, ReadinessWatch, type DealerDirectory } from '../src/incidents/index.js';
import { notificationSettings, Notifications } from '../src/notifications/index.js';
import { ManualClock } from '../src/common/clock.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { runCli } from './support/cli.js';
import { createSqliteDb, type TestDb } from './support/databases.js';
import { startWebhookSink, type WebhookSink } from './support/sinks.js';

const TOKEN = 'test-admin-token-0123456789';
const ORIGIN = 'http://localhost';

describe('the escalation timeline setting', () => {
  it('defaults to the plan (0, 2, 5, 10 minutes) and refuses what it cannot mean', () => {
    expect(parseSteps(undefined)).toEqual([0, 120, 300, 600]);
    expect(parseSteps('0,2,4,6')).toEqual([0, 2, 4, 6]);
    expect(() => parseSteps('0,2,4')).toThrow(/4 comma-separated numbers/);
    expect(() => parseSteps('0,5,4,6')).toThrow(/must not decrease \(step 3 at 4 s comes before step 2 at 5 s\)/);
    expect(() => parseSteps('0,a,4,6')).toThrow(/INCIDENT_STEPS_SECONDS/);
    expect(() => incidentSettings({ ALERT_WEBHOOK_INCIDENTS: 'http://10.0.0.5/hook' }, false)).toThrow(
      /ALERT_WEBHOOK_INCIDENTS: webhook host 10.0.0.5 is a private/,
    );
    expect(() => incidentSettings({ ESCALATION_MANAGEMENT_EMAIL: 'boss' }, false)).toThrow(
      /ESCALATION_MANAGEMENT_EMAIL: "boss" is not an e-mail address/,
    );
  });
});

describe('incidents on SQLite with an injected clock', () => {
  let tdb: TestDb;
  let hook: WebhookSink;
  let clock: ManualClock;
  let notifications: Notifications;
  let incidents: Incidents;
  const dealerHooks: string[] = [];
  const dealers: DealerDirectory = { alertDestinations: async () => dealerHooks.map((url) => ({ kind: 'webhook' as const, url })) };

  beforeAll(async () => {
    tdb = await createSqliteDb();
    hook = await startWebhookSink();
    clock = new ManualClock(Date.UTC(2026, 5, 1));
    const ns = notificationSettings({ ALERT_WEBHOOK_ALLOW_PRIVATE: 'true' });
    // One dealer's webhook cannot be used at all.
    dealerHooks.push('ftp://dealer-c.example/hook');
    notifications = new Notifications({ db: tdb.db, clock, settings: ns });
    incidents = new Incidents({
      db: tdb.db,
      clock,
      notifications,
      dealers,
      // Engineering has no destination configured.
      settings: incidentSettings(
        {
          INCIDENT_STEPS_SECONDS: '0,120,300,600',
          ALERT_WEBHOOK_INCIDENTS: `${hook.url}/incidents`,
          ESCALATION_MANAGEMENT_WEBHOOK: `${hook.url}/management`,
        },
        true,
      ),
    });
    dealerHooks.push(`${hook.url}/dealer-a`, `${hook.url}/dealer-b`);
  });
  afterAll(async () => {
    await notifications.stop();
    await hook.close();
    await tdb.drop();
  });

  const step = async (ms: number) => {
    clock.advance(ms);
    await incidents.tick();
    await notifications.drain();
  };

  it('takes each step at its minute; step 4 puts up the dealer notice and tells dealers with alerts; resolution reaches them too', async () => {
    const { incident } = await incidents.raise({ cause: 'test:user-facing', title: 'Prices missing', userFacing: true });
    await step(0);
    expect(hook.received.filter((r) => r.path === '/incidents')).toHaveLength(1);
    await step(119_999);
    expect((await incidents.view(incident.id)).steps[1]!.takenAt).toBeNull();
    await step(1);
    let v = await incidents.view(incident.id);
    expect(v.steps[1]).toMatchObject({ audience: 'engineering', outcome: 'no destination configured' });
    expect(v.timeline.some((t) => t.kind === 'step' && t.step === 2 && /no destination configured/.test(t.message))).toBe(true);
    await step(180_000);
    expect(hook.received.filter((r) => r.path === '/management')).toHaveLength(1);
    expect((await incidents.publicStatus()).dealerNotices).toEqual([]);
    await step(300_000);
    v = await incidents.view(incident.id);
    expect(v.steps[3]).toMatchObject({
      audience: 'dealers',
      outcome: 'notice on dealer pages; 2 dealer destination(s), 1 refused (private or invalid address)',
    });
    expect(v.noticeAt).not.toBeNull();
    for (const p of ['/dealer-a', '/dealer-b'])
      expect(hook.received.filter((r) => r.path === p).map((r) => r.body.text)).toEqual([
        expect.stringMatching(/some DealerScope data may be delayed, stale or missing \(Prices missing\)/),
      ]);
    const status = await incidents.publicStatus();
    expect(status.status).toBe('incident');
    expect(status.dealerNotices).toEqual([{ id: incident.id, resolved: false, text: expect.stringContaining('Prices missing') }]);

    await incidents.clear('test:user-facing', 'prices back');
    await notifications.drain();
    // Operators get the operator text, dealers the plain one; the engineering step reached nobody.
    expect(hook.received.filter((r) => r.path === '/incidents').at(-1)!.body.text).toMatch(/RESOLVED: Prices missing — prices back/);
    expect(hook.received.filter((r) => r.path === '/management').at(-1)!.body.text).toMatch(/RESOLVED/);
    for (const p of ['/dealer-a', '/dealer-b'])
      expect(hook.received.filter((r) => r.path === p).at(-1)!.body.text).toMatch(/^Resolved at .* is fixed/);
    clock.advance(3_000);
    expect((await incidents.publicStatus()).dealerNotices).toEqual([
      { id: incident.id, resolved: true, text: expect.stringMatching(/^Resolved at/) },
    ]);
    // An hour later the resolved notice is gone from dealer pages.
    clock.advance(60 * 60_000);
    expect((await incidents.publicStatus()).dealerNotices).toEqual([]);
  });

  it('an incident that is not user-facing skips step 4: no notice, no dealer message', async () => {
    const before = hook.received.filter((r) => r.path.startsWith('/dealer')).length;
    const { incident } = await incidents.raise({ cause: 'test:internal', title: 'Breaker false positives', userFacing: false });
    await step(0);
    await step(600_000);
    const v = await incidents.view(incident.id);
    expect(v.steps[3]).toMatchObject({ outcome: 'skipped: not user-facing' });
    expect(v.noticeAt).toBeNull();
    expect(hook.received.filter((r) => r.path.startsWith('/dealer')).length).toBe(before);
    expect((await incidents.publicStatus()).status).toBe('degraded');
    // A repeat that says users are affected from now on makes it user-facing; later repeats do not undo that.
    expect((await incidents.raise({ cause: 'test:internal', title: 'x', userFacing: true })).incident.userFacing).toBe(true);
    expect((await incidents.raise({ cause: 'test:internal', title: 'x', userFacing: false })).incident.userFacing).toBe(true);
    // And the dealers' step it passed over is taken now: the notice goes up and dealers are told.
    await step(0);
    const after = await incidents.view(incident.id);
    expect(after.steps[3]!.outcome).toMatch(/^notice on dealer pages; 2 dealer destination\(s\)/);
    expect(after.noticeAt).not.toBeNull();
    expect(hook.received.filter((r) => r.path.startsWith('/dealer')).length).toBe(before + 2);
    expect((await incidents.publicStatus()).status).toBe('incident');
    await incidents.resolveIncident(incident.id, 'test');
    await notifications.drain();
  });

  it('a resolution some reached destination can no longer take is still whole: resolved, recorded, the rest told', async () => {
    const { incident } = await incidents.raise({ cause: 'test:settings-changed', title: 'Import stalled', userFacing: false });
    await step(0);
    await step(300_000);
    const heard = hook.received.filter((r) => r.path === '/incidents').length;
    // A process that reads the notification settings differently (the CLI without
    // ALERT_WEBHOOK_ALLOW_PRIVATE, or the server after it was turned off) resolves the incident.
    const strict = new Notifications({ db: tdb.db, clock, settings: notificationSettings({}) });
    const other = new Incidents({ db: tdb.db, clock, notifications: strict, dealers, settings: incidents.settings });
    const res = await other.resolveIfOpen(incident.id, 'cli:dana', 'resolved by hand: importer restarted');
    expect(res.changed).toBe(true);
    expect(res.incident.status).toBe('resolved');
    expect(res.incident.timeline.find((t) => t.kind === 'resolved')!.message).toMatch(
      /^Resolved by cli:dana: resolved by hand: importer restarted; not told: webhook http:\/\/127\.0\.0\.1:\d+\/… \(.*private or loopback.*\)/,
    );
    await notifications.drain();
    expect(hook.received.filter((r) => r.path === '/incidents').length).toBe(heard);
    // A second resolution changes nothing and tells nobody.
    expect((await incidents.resolveIfOpen(incident.id, 'test')).changed).toBe(false);
    await strict.stop();
  });

  it('"/readyz failing on every replica for 60 s" opens one incident; one replica ready again clears it', async () => {
    const ready = [true, true];
    const raise = (i: Parameters<Incidents['raise']>[0]) => incidents.raise(i);
    const clear = (c: string, why: string) => incidents.clear(c, why);
    const watches = [0, 1].map(
      (n) =>
        new ReadinessWatch({
          db: tdb.db,
          clock,
          replicaId: `replica-${n}`,
          intervalMs: 10_000,
          windowMs: 60_000,
          raise,
          clear,
          report: async () => ({ ready: ready[n]!, detail: ready[n] ? '' : 'database: connection refused' }),
        }),
    );
    const sample = async () => {
      for (const w of watches) await w.check();
    };
    const openReadiness = async () => (await incidents.list({ status: 'open' })).filter((i) => i.cause === 'readiness');
    await sample();
    ready[0] = false;
    for (let t = 0; t < 7; t++) {
      clock.advance(10_000);
      await sample();
    }
    // One replica failing is not the fleet failing.
    expect(await openReadiness()).toEqual([]);
    ready[1] = false;
    // The fleet has failed since this sample; the incident opens 60 s later, not before.
    clock.advance(10_000);
    await sample();
    for (let t = 0; t < 5; t++) {
      clock.advance(10_000);
      await sample();
    }
    expect(await openReadiness()).toEqual([]);
    clock.advance(10_000);
    await sample();
    const [opened] = await openReadiness();
    expect(opened).toMatchObject({
      title: 'Service not ready on every replica',
      userFacing: true,
      detail: expect.stringMatching(/failed on all 2 replica\(s\) for 60 s: database: connection refused/),
    });
    clock.advance(10_000);
    await sample();
    expect(await openReadiness()).toHaveLength(1);
    ready[1] = true;
    clock.advance(10_000);
    await sample();
    expect(await openReadiness()).toEqual([]);
    expect((await incidents.view(opened!.id)).resolution).toBe('/readyz answers ready again on 1 of 2 replica(s)');
    // A replica that stops on purpose leaves the fleet instead of counting as failing.
    await watches[0]!.stop();
    const left = await tdb.db.kysely
      .withTables<{ incident_replica_health: { replica_id: string } }>()
      .selectFrom('incident_replica_health')
      .select('replica_id')
      .execute();
    expect(left.map((r) => r.replica_id)).toEqual(['replica-1']);
  });
});

describe('the console incidents page and the CLI', () => {
  let tdb: TestDb;
  let t: TestApp;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    tdb = await createSqliteDb();
    t = await buildTestApp(tdb.db);
    const login = await t.app.inject({
      method: 'POST',
      url: '/console/login',
      payload: `token=${TOKEN}`,
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    });
    cookie = String(login.headers['set-cookie'] ?? '').split(';')[0]!;
  });
  afterAll(async () => {
    await t?.app.close();
    await tdb?.drop();
  });

  const page = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/console/incidents', headers: { cookie, accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const post = (url: string, fields: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: new URLSearchParams(fields).toString(),
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    });

  it('lists incidents with their steps and timeline; Acknowledge and Resolve are CSRF-protected forms', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/console/incidents', headers: { accept: 'text/html' } })).headers.location).toBe(
      '/console/login',
    );
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/incidents',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { title: 'Feed import stuck <b>', userFacing: true, detail: 'no rows since 10:00' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().incident.id as number;
    let html = await page();
    expect(html).toContain(`id="incident-${id}"`);
    expect(html).toContain('Feed import stuck &lt;b&gt;');
    expect(html).toMatch(/<caption>Escalation steps<\/caption>/);
    expect(html).toMatch(/<th scope="row">4<\/th><td>dealers<\/td>/);
    expect(html).toContain(`aria-label="Acknowledge incident ${id}"`);
    expect(html).toContain('<a href="/console/incidents">Incidents</a>');
    csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

    expect((await post(`/console/incidents/${id}/ack`, {})).statusCode).toBe(403);
    expect((await post(`/console/incidents/${id}/ack`, { _csrf: 'wrong' })).statusCode).toBe(403);
    const ack = await post(`/console/incidents/${id}/ack`, { _csrf: csrf });
    expect([ack.statusCode, ack.headers.location]).toEqual([303, `/console/incidents?result=acknowledged#incident-${id}`]);
    html = await page();
    expect(html).toMatch(/open, acknowledged <time[^>]*>.*<\/time> by [^<]*tok_[0-9a-f]{12}/);
    expect(html).not.toContain(`aria-label="Acknowledge incident ${id}"`);
    const resolved = await post(`/console/incidents/${id}/resolve`, { _csrf: csrf, note: 'importer restarted' });
    expect(resolved.headers.location).toBe(`/console/incidents?result=resolved#incident-${id}`);
    // Resolving it again says so, rather than that every channel is being told.
    const again = await post(`/console/incidents/${id}/resolve`, { _csrf: csrf });
    expect(again.headers.location).toBe(`/console/incidents?result=already-resolved#incident-${id}`);
    const list = (await t.app.inject({ method: 'GET', url: '/admin/incidents', headers: { authorization: `Bearer ${TOKEN}` } })).json()
      .items;
    expect(list[0]).toMatchObject({
      id,
      status: 'resolved',
      acknowledgedBy: expect.stringMatching(/tok_[0-9a-f]{12}/),
      resolution: 'resolved by hand: importer restarted',
    });
    expect(list[0].timeline.map((x: { kind: string }) => x.kind)).toEqual(expect.arrayContaining(['opened', 'acknowledged', 'resolved']));
    // The public status tells what happened, not who did it: no admin token's fingerprint there.
    const status = (await t.app.inject({ method: 'GET', url: '/api/status' })).json();
    const updates = status.incidents.find((i: { id: number }) => i.id === id).updates.map((u: { text: string }) => u.text);
    expect(updates).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Acknowledged; escalation stopped/),
        'Resolved: resolved by hand: importer restarted',
      ]),
    );
    expect(updates.join('\n')).not.toMatch(/tok_|not told/);
  });

  it('admin API validates input: a title, known fields only, ids as numbers; unknown ids are 404', async () => {
    const h = { authorization: `Bearer ${TOKEN}` };
    expect((await t.app.inject({ method: 'POST', url: '/admin/incidents', headers: h, payload: {} })).statusCode).toBe(400);
    expect(
      (await t.app.inject({ method: 'POST', url: '/admin/incidents', headers: h, payload: { title: 'ok title', colour: 'red' } }))
        .statusCode,
    ).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/admin/incidents/abc/ack', headers: h })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/admin/incidents/99999/ack', headers: h })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/admin/incidents', payload: { title: 'no token' } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/status' })).json()).toMatchObject({ status: 'ok' });
  });

  it('dealerscope incidents list|ack|resolve, with exit codes', async () => {
    const env = { ...process.env, DATABASE_URL: tdb.url, DEALERSCOPE_ENV: 'development' };
    const cli = (...args: string[]) => runCli(args, env);
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/incidents',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { title: 'CLI drill' },
    });
    const id = created.json().incident.id as number;
    const list = await cli('incidents', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`#${id} \\[operator:cli-drill\\] CLI drill — started .*; open, escalating`));
    expect(list.stdout).toMatch(/step 1 incidents/);
    expect((await cli('incidents', 'ack', String(id), '--actor', 'dana')).code).toBe(0);
    const again = await cli('incidents', 'ack', String(id));
    expect([again.code, again.stdout]).toEqual([2, expect.stringMatching(/was not changed: it is open, acknowledged .* by cli:dana/)]);
    expect((await cli('incidents', 'resolve', String(id), '--note', 'drill over')).code).toBe(0);
    expect((await cli('incidents', 'resolve', String(id))).code).toBe(2);
    expect((await cli('incidents', 'ack', '424242')).code).toBe(2);
    const all = await cli('incidents', 'list', '--all', '--timeline');
    expect(all.stdout).toMatch(/acknowledged: Acknowledged by cli:dana; escalation stopped/);
    expect(all.stdout).toMatch(/resolved: Resolved by cli:[^:]+: resolved by hand: drill over/);
    for (const sub of ['list', 'ack', 'resolve'])
      expect((await cli('incidents', sub, '--help')).stdout).toMatch(/Usage: dealerscope incidents/);
  }, 180_000);
});
