// The controller with its PostgreSQL server stopped: it keeps evaluating, answers /admin/rollout,
// alerts an outage of the platform instead of rolling a phase back, still rolls back on a breach
// that a phase caused (memory), holds what it could not record and writes it once the server
// returns. Latches block every advance, forced or not, and the gate and the refusal list them.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.js';
import { openDb, type Db } from '../src/storage/db.js';
import { migrate } from '../src/schema/migrate.js';
import { requirePostgresBinaries, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { normalTraffic, SimReplica, webhookSink, type Hook } from './support/rollout-sim.js';
import { waitFor } from './support/wait-for.js';

const AUTH = { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' };
const ready = requirePostgresBinaries();

describe.runIf(ready)('rollout controller while PostgreSQL is stopped', () => {
  let pgServer: PrivatePostgres;
  let db: Db;
  let hook: Hook;
  let r: SimReplica;
  let app: FastifyInstance;
  const logs: string[] = [];
  const decisions: Array<{ kind: string; id: number; recorded: boolean; triggers: string[] }> = [];

  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    db = openDb(await pgServer.createDatabase('rollout_outage'));
    await migrate(db);
    hook = await webhookSink();
    r = new SimReplica(5);
    const hooks = {
      ALERT_WEBHOOK_ALERTS: `${hook.url}/alerts`,
      ALERT_WEBHOOK_DEPLOYMENTS: `${hook.url}/deployments`,
      ALERT_WEBHOOK_PERFORMANCE: `${hook.url}/performance`,
    };
    await r.init(db, hooks, undefined, (m) => logs.push(m));
    r.ctx.rollout.on('decision', (d) => decisions.push(d));
    app = await buildApp(r.ctx, { logger: false });
    await app.ready();
    await r.ctx.flagControl.setPhase(3, { actor: 'test', reason: 'start at phase 3' });
    await r.ctx.flagControl.start();
    r.ctx.rollout.start();
    await r.run(180);
  }, 120_000);

  afterAll(async () => {
    r?.ctx.rollout.stop();
    await app?.close();
    await hook?.close();
    await db?.close().catch(() => {});
    await pgServer?.destroy();
  }, 60_000);

  it("a database outage with 20 % 5xx is alerted as the platform's, not rolled back; the API keeps answering", async () => {
    await pgServer.stop('immediate');
    r.traffic = { ...normalTraffic(), error: (i) => i % 5 === 0 };
    const posted = hook.received.length;
    await r.run(60);
    const mid = await app.inject({ method: 'GET', url: '/admin/rollout', headers: AUTH });
    expect(mid.statusCode).toBe(200);
    expect(mid.json().triggers.find((t: { id: string }) => t.id === 'error_rate_high').status).toBe('pending');
    await r.run(4 * 60);
    const platform = decisions.filter((d) => d.kind === 'platform_alert');
    expect(platform.map((d) => d.triggers[0])).toContain('error_rate_high');
    expect(platform.every((d) => d.recorded === false && d.id < 0)).toBe(true);
    expect(decisions.filter((d) => d.kind === 'auto_rollback')).toEqual([]);
    expect(r.ctx.flags.getPhase()).toBe(3);
    await waitFor('the PLATFORM OUTAGE post on #alerts', () =>
      hook.received.slice(posted).some((p) => p.path === '/alerts' && String(p.body.text).includes('PLATFORM OUTAGE')),
    );
    const s = (await app.inject({ method: 'GET', url: '/admin/rollout', headers: AUTH })).json();
    expect(s.recording.ok).toBe(false);
    expect(s.recording.unrecorded).toBeGreaterThan(0);
    expect(logs.some((l) => /cannot record/.test(l))).toBe(true);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/dealerscope_rollout_unrecorded_records \d+/);
    expect(metrics).not.toMatch(/dealerscope_rollout_unrecorded_records 0\n/);
  }, 120_000);

  it('a breach a phase causes still rolls back while the database is down, and is written once it returns', async () => {
    r.traffic = normalTraffic();
    r.rssMb = 170;
    await r.run(11 * 60);
    const rollback = decisions.find((d) => d.kind === 'auto_rollback');
    expect(rollback?.triggers).toContain('memory_high');
    expect(rollback?.recorded).toBe(false);
    expect(r.ctx.flags.getPhase()).toBe(2);
    const held = (await app.inject({ method: 'GET', url: '/admin/rollout', headers: AUTH })).json();
    expect(held.heldPhase.phase).toBe(2);
    expect(held.latches.map((l: { trigger: string }) => l.trigger)).toContain('memory_high');
    r.rssMb = 95;

    await pgServer.start();
    // The pool reconnects and the flag poll writes the held phase on real timers: on a loaded
    // machine that takes longer than any fixed stretch of simulated time, so poll for it.
    await r.run(30);
    const s = await waitFor(
      'the held phase and the unrecorded decisions written',
      async () => {
        const now = (await app.inject({ method: 'GET', url: '/admin/rollout', headers: AUTH })).json();
        if (now.heldPhase === null && now.recording.ok && now.recording.unrecorded === 0) return now;
        await r.run(2);
        return null;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(s.recording).toMatchObject({ ok: true, unrecorded: 0 });
    expect(s.heldPhase).toBeNull();
    expect(s.phase).toBe(2);
    const stored = (await app.inject({ method: 'GET', url: '/admin/rollout/decisions', headers: AUTH })).json().decisions as Array<{
      id: number;
      kind: string;
      triggers: string[];
    }>;
    expect(stored.some((d) => d.kind === 'auto_rollback' && d.triggers.includes('memory_high') && d.id > 0)).toBe(true);
    expect(stored.some((d) => d.kind === 'platform_alert')).toBe(true);
    const rows = await db.kysely.selectFrom('rollout_latches').select(['trigger_id', 'decision_id']).execute();
    expect(rows.map((x) => x.trigger_id)).toContain('memory_high');
    expect(rows.every((x) => Number(x.decision_id) > 0)).toBe(true);
  }, 120_000);

  it('a latch blocks every advance, forced or not; the gate report and the refusal name it', async () => {
    const gate = (await app.inject({ method: 'GET', url: '/admin/rollout/gate', headers: AUTH })).json();
    expect(gate.pass).toBe(false);
    expect(gate.latches.map((l: { trigger: string }) => l.trigger)).toContain('memory_high');
    const forced = await app.inject({
      method: 'POST',
      url: '/admin/rollout/advance',
      headers: AUTH,
      payload: JSON.stringify({ force: true, reason: 'ship it' }),
    });
    expect(forced.statusCode).toBe(409);
    expect(forced.json().error.code).toBe('triggers_latched');
    expect(forced.json().error.message).toContain('memory_high');
    expect(r.ctx.flags.getPhase()).toBe(2);
    await r.ctx.rollout.rearm({ actor: 'op', trigger: 'all', reason: 'memory fixed' });
    const after = await app.inject({
      method: 'POST',
      url: '/admin/rollout/advance',
      headers: AUTH,
      payload: JSON.stringify({ force: true, reason: 'ship it' }),
    });
    expect(after.statusCode).toBe(200);
    expect(r.ctx.flags.getPhase()).toBe(3);
  }, 60_000);
});
