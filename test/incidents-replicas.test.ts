// Incident escalation on two service instances sharing one PostgreSQL database, on a timeline
// compressed to fractions of a second: each step goes out exactly once (one delivery per
// destination) and never before it is due; the dealer page notice appears at the last step;
// acknowledgement stops escalation; resolution is told on every channel reached; the kill
// switch and rollout decisions open and clear incidents through the composition root's wiring.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { buildApp } from '../src/http/app.js';
import type { AppContext } from '../src/http/context.js';
import { createContext } from '../src/http/service.js';
import type { IncidentView } from '../src/incidents/index.js';
import { openDb, type Db } from '../src/storage/db.js';
import { createPostgresDb, requirePostgres, type TestDb } from './support/databases.js';
import { startSmtpSink, startWebhookSink, type SmtpSink, type WebhookSink } from './support/sinks.js';
import { waitFor } from './support/wait-for.js';

const pgOk = await requirePostgres();
const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const STEPS = [0, 0.6, 1.2, 1.8];

interface Replica {
  app: FastifyInstance;
  ctx: AppContext;
  db: Db;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 8000): Promise<T> {
  return (await waitFor(what, fn, { timeoutMs, intervalMs: 50 })) as T;
}

describe.runIf(pgOk)('incidents on two replicas sharing one PostgreSQL', () => {
  let tdb: TestDb;
  let hook: WebhookSink;
  let smtp: SmtpSink;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    tdb = await createPostgresDb();
    hook = await startWebhookSink();
    smtp = await startSmtpSink();
    const env = {
      DEALERSCOPE_ENV: 'development',
      ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DATABASE_URL: tdb.url,
      INCIDENT_STEPS_SECONDS: STEPS.join(','),
      INCIDENT_POLL_MS: '100',
      NOTIFY_POLL_MS: '100',
      FLAG_POLL_MS: '100',
      ALERT_WEBHOOK_ALLOW_PRIVATE: 'true',
      SMTP_URL: smtp.url,
      ALERT_WEBHOOK_INCIDENTS: `${hook.url}/incidents`,
      ESCALATION_ENGINEERING_WEBHOOK: `${hook.url}/engineering`,
      ESCALATION_ENGINEERING_EMAIL: 'eng@example.com',
      ESCALATION_MANAGEMENT_EMAIL: 'mgmt@example.com',
    };
    for (let i = 0; i < 2; i++) {
      // Each replica has its own connection pool, as separate processes would.
      const db = openDb(tdb.url, { poolSize: 4 });
      const ctx = await createContext(loadConfig(env), { db });
      const app = await buildApp(ctx, { logger: false, background: true });
      await app.ready();
      await ctx.flagControl.start();
      replicas.push({ app, ctx, db });
    }
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.app.close();
      await r.ctx.flagControl.stop();
      await r.db.close();
    }
    await hook?.close();
    await smtp?.close();
    await tdb?.drop();
  });

  const [a, b] = [() => replicas[0], () => replicas[1]];
  const get = async (r: Replica, url: string) => (await r.app.inject({ method: 'GET', url, headers: auth })).json();
  const incident = async (r: Replica, id: number): Promise<IncidentView> =>
    ((await get(r, '/admin/incidents?limit=500')).items as IncidentView[]).find((i) => i.id === id)!;
  const open = async (r: Replica, title: string, userFacing = true) => {
    const res = await r.app.inject({ method: 'POST', url: '/admin/incidents', headers: auth, payload: { title, userFacing } });
    return { status: res.statusCode, body: res.json<{ incident: IncidentView; joined: boolean }>() };
  };
  const hooksFor = (id: number, path: string) => hook.received.filter((x) => x.path === path && x.body.incident === id);
  const mailsFor = (id: number, to: string) => smtp.mails.filter((m) => m.subject.includes(`#${id}]`) && m.to.includes(to));

  it('escalates each step once, on time, across both replicas; the dealer page shows the notice; resolution reaches every channel', async () => {
    const first = await open(a(), 'Listing pages fail for dealers');
    expect(first.status).toBe(201);
    const id = first.body.incident.id;
    const started = Date.parse(first.body.incident.startedAt);
    const again = await open(b(), 'Listing pages fail for dealers');
    expect([again.status, again.body.joined, again.body.incident.id]).toEqual([200, true, id]);

    const done = await until('step 4 and every delivery', async () => {
      const i = await incident(b(), id);
      return (
        i.steps.every((s) => s.takenAt) &&
        i.timeline.filter((t) => t.kind === 'delivery').every((t) => t.delivery?.status === 'delivered') &&
        i
      );
    });
    // One delivery per destination per step, whichever replica took the step.
    const delivered = done.timeline.filter((t) => t.kind === 'delivery');
    expect(delivered.map((t) => t.delivery!.purpose).sort()).toEqual(['step:1', 'step:2', 'step:2', 'step:3']);
    expect(hooksFor(id, '/incidents')).toHaveLength(1);
    expect(hooksFor(id, '/engineering')).toHaveLength(1);
    expect(mailsFor(id, 'eng@example.com')).toHaveLength(1);
    expect(mailsFor(id, 'mgmt@example.com')).toHaveLength(1);
    const claims = await tdb.db.kysely
      .withTables<{ incident_steps: { incident_id: number; step: number; claimed_by: string } }>()
      .selectFrom('incident_steps')
      .selectAll()
      .where('incident_id', '=', id)
      .execute();
    expect(claims.map((c) => Number(c.step)).sort()).toEqual([1, 2, 3, 4]);
    // Never before its time, and not long after it.
    for (const s of done.steps) {
      const due = started + STEPS[s.step - 1] * 1000;
      expect(Date.parse(s.takenAt!), `step ${s.step}`).toBeGreaterThanOrEqual(due);
      expect(Date.parse(s.takenAt!) - due, `step ${s.step}`).toBeLessThan(1500);
    }
    expect(hooksFor(id, '/incidents')[0].body.text).toMatch(/Listing pages fail for dealers/);

    // Step 4: a notice on every dealer page, whichever replica serves it; the public status says so.
    for (const r of replicas) {
      const page = await until('dealer notice', async () => {
        const html = (await r.app.inject({ method: 'GET', url: '/' })).body;
        return html.includes('class="notice"') && html;
      });
      expect(page).toMatch(
        /role="alert">Since .* some DealerScope data may be delayed, stale or missing \(Listing pages fail for dealers\)/,
      );
    }
    const status = await until('status incident', async () => {
      const s = (await a().app.inject({ method: 'GET', url: '/api/status' })).json();
      return s.status === 'incident' && s;
    });
    const mine = status.incidents.find((i: { id: number }) => i.id === id);
    expect(mine).toMatchObject({ id, title: 'Listing pages fail for dealers', userFacing: true, startedAt: first.body.incident.startedAt });
    expect(mine.updates.map((u: { text: string }) => u.text).join('\n')).toMatch(/Opened: .*\n.*data may be delayed/);

    // Resolution: every destination reached hears it once; the notice turns to "resolved".
    const res = await b().app.inject({
      method: 'POST',
      url: `/admin/incidents/${id}/resolve`,
      headers: auth,
      payload: { note: 'bad deploy reverted' },
    });
    expect(res.statusCode).toBe(200);
    await until(
      'resolution deliveries',
      async () =>
        hooksFor(id, '/incidents').length === 2 &&
        hooksFor(id, '/engineering').length === 2 &&
        mailsFor(id, 'eng@example.com').length === 2 &&
        mailsFor(id, 'mgmt@example.com').length === 2,
    );
    expect(hooksFor(id, '/incidents')[1].body.text).toMatch(
      /RESOLVED: Listing pages fail for dealers — resolved by hand: bad deploy reverted/,
    );
    // The other replica's cached status (two seconds) catches up.
    const after = await until('status ok', async () => {
      const s = (await a().app.inject({ method: 'GET', url: '/api/status' })).json();
      return s.status === 'ok' && s;
    });
    expect(after.incidents.find((i: { id: number }) => i.id === id).resolvedAt).not.toBeNull();
    const page = await until('resolved notice', async () => {
      const html = (await a().app.inject({ method: 'GET', url: '/' })).body;
      return html.includes('notice resolved') && html;
    });
    expect(page).toMatch(/Resolved at .* is fixed/);
    // A resolved incident escalates no further and cannot be resolved twice into new messages.
    await b().app.inject({ method: 'POST', url: `/admin/incidents/${id}/resolve`, headers: auth });
    await new Promise((r) => setTimeout(r, 400));
    expect(hooksFor(id, '/incidents')).toHaveLength(2);
  });

  it('acknowledgement stops escalation: later steps never go out; the channels reached hear the acknowledgement', async () => {
    const { body } = await open(b(), 'Search results stale', false);
    const id = body.incident.id;
    await until('step 2', async () => (await incident(a(), id)).steps[1].takenAt);
    const ack = await a().app.inject({ method: 'POST', url: `/admin/incidents/${id}/ack`, headers: auth });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().changed).toBe(true);
    const again = await b().app.inject({ method: 'POST', url: `/admin/incidents/${id}/ack`, headers: auth });
    expect(again.json().changed).toBe(false);
    // Past the last step's due time with room to spare.
    await new Promise((r) => setTimeout(r, (STEPS[3] - STEPS[1]) * 1000 + 800));
    const i = await incident(b(), id);
    expect(i.steps.map((s) => Boolean(s.takenAt))).toEqual([true, true, false, false]);
    expect(i.timeline.map((t) => t.kind)).toContain('acknowledged');
    expect(mailsFor(id, 'mgmt@example.com')).toHaveLength(0);
    await until('ack messages', async () => hooksFor(id, '/incidents').length === 2 && mailsFor(id, 'eng@example.com').length === 2);
    expect(hooksFor(id, '/incidents')[1].body.text).toMatch(/acknowledged by tok_[0-9a-f]+; escalation stopped/);
  });

  it('many incidents raised on both replicas at once: every step exactly once', async () => {
    const titles = Array.from({ length: 8 }, (_, i) => `Concurrent incident ${i}`);
    const results = await Promise.all(titles.flatMap((t) => [open(a(), t, false), open(b(), t, false)]));
    const ids = [...new Set(results.map((r) => r.body.incident.id))];
    expect(ids).toHaveLength(titles.length);
    await until('all steps', async () => {
      const n = await tdb.db.kysely
        .withTables<{ incident_steps: { incident_id: number } }>()
        .selectFrom('incident_steps')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('incident_id', 'in', ids)
        .executeTakeFirstOrThrow();
      return Number(n.n) === ids.length * 4;
    });
    await until('deliveries', async () =>
      ids.every((id) => hooksFor(id, '/incidents').length === 1 && hooksFor(id, '/engineering').length === 1),
    );
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ids) {
      expect(hooksFor(id, '/incidents'), `incident ${id}`).toHaveLength(1);
      expect(hooksFor(id, '/engineering'), `incident ${id}`).toHaveLength(1);
    }
    for (const id of ids) await a().app.inject({ method: 'POST', url: `/admin/incidents/${id}/resolve`, headers: auth });
  });

  it('the kill switch opens one incident on the fleet and its turning off resolves it', async () => {
    await a().ctx.flagControl.setOverrides({ EMERGENCY_ROLLBACK: true }, { actor: 'test', reason: 'drill' });
    const opened = await until('kill switch incident on both', async () => {
      const items = ((await get(b(), '/admin/incidents?status=open')).items as IncidentView[]).filter((i) => i.cause === 'kill_switch');
      return items.length === 1 && b().ctx.flags.snapshot().emergency && items[0];
    });
    expect(opened).toMatchObject({ userFacing: true, title: 'Kill switch on: every v5 feature is off' });
    await a().ctx.flagControl.setOverrides({ EMERGENCY_ROLLBACK: false }, { actor: 'test', reason: 'drill over' });
    const resolved = await until('resolved', async () => {
      const i = await incident(a(), opened.id);
      return i.status === 'resolved' && i;
    });
    expect(resolved.resolution).toBe('kill switch turned off');
    const all = ((await get(a(), '/admin/incidents?limit=500')).items as IncidentView[]).filter((i) => i.cause === 'kill_switch');
    expect(all).toHaveLength(1);
  });

  it('an automatic rollback opens an incident per trigger and re-arming the trigger clears it', async () => {
    const decision = {
      kind: 'auto_rollback',
      triggers: ['error_rate_high', 'memory_high'],
      fromPhase: 4,
      toPhase: 3,
      reason: 'automatic rollback: error rate > 1 % for 3 min; RSS > 150 MB for 10 min',
    };
    a().ctx.rollout.emit('decision', decision);
    const items = await until('two incidents', async () => {
      const list = ((await get(a(), '/admin/incidents?status=open')).items as IncidentView[]).filter((i) =>
        i.cause.startsWith('rollback:'),
      );
      return list.length === 2 && list;
    });
    expect(Object.fromEntries(items.map((i) => [i.cause, i.userFacing]))).toEqual({
      'rollback:error_rate_high': true,
      'rollback:memory_high': false,
    });
    b().ctx.rollout.emit('decision', { ...decision, kind: 'rearm', triggers: ['error_rate_high'] });
    await until(
      'cleared',
      async () => (await incident(a(), items.find((i) => i.cause === 'rollback:error_rate_high')!.id)).status === 'resolved',
    );
    expect((await incident(a(), items.find((i) => i.cause === 'rollback:memory_high')!.id)).status).toBe('open');
  });
});
