// The platform rule for latency triggers, under an injected clock and an injected host: a breach
// on a host saturated by other work, or after a replica left the fleet, is alerted once and not
// rolled back; the same breach on a healthy host, or with this process burning the CPU itself,
// rolls back; a breach that outlives the platform finding rolls back at the next firing, and one
// put down to the platform for longer than the limit rolls back regardless. The kill switch works
// throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../src/rollout/state-store.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { requireRedis, SHARED_REDIS_URL } from './support/redis.js';
import { HEALTHY_HOST, lognormal, normalTraffic, SimReplica, webhookSink, type Hook } from './support/rollout-sim.js';
import { waitFor } from './support/wait-for.js';

const SATURATED = { loadPerCore: 4, ownCpuCores: 0.15, eventLoopP99Ms: 90 };
/** One request in ten takes 400 ms: P95 ≈ 400 ms, over both latency triggers' bounds. */
const slow = () => ({ ...normalTraffic(), latency: (i: number, rnd: () => number) => (i % 10 === 0 ? 400 : lognormal(rnd, 40, 0.5)) });
const FOR_MS = 60_000;
const MAX_DEFER_MS = 5 * 60_000;
const redisReady = await requireRedis();

describe('platform rule for latency triggers', () => {
  let hook: Hook;
  const dbs: TestDb[] = [];
  const sims: SimReplica[] = [];

  beforeAll(async () => {
    hook = await webhookSink();
  });
  afterAll(async () => {
    for (const r of sims) {
      r.ctx.rollout.stop();
      await r.ctx.redis?.close();
    }
    await hook.close();
    for (const d of dbs) await d.drop();
  });

  async function replica(
    seed: number,
    extra: Record<string, string> = {},
    tdb?: TestDb,
  ): Promise<{ r: SimReplica; decisions: Decision[]; posts: () => Hook['received'] }> {
    const db = tdb ?? (await createTestDb('sqlite'));
    if (!tdb) dbs.push(db);
    const r = await new SimReplica(seed).init(db.db, {
      ALERT_WEBHOOK_ALERTS: `${hook.url}/alerts`,
      ALERT_WEBHOOK_DEPLOYMENTS: `${hook.url}/deployments`,
      ALERT_WEBHOOK_PERFORMANCE: `${hook.url}/performance`,
      ROLLOUT_TRIGGER_FOR_MS: String(FOR_MS),
      ROLLOUT_PLATFORM_MAX_DEFER_MS: String(MAX_DEFER_MS),
      ...extra,
    });
    sims.push(r);
    if (!tdb) await r.ctx.flagControl.setPhase(4, { actor: 'test', reason: 'start at phase 4' });
    r.ctx.rollout.start();
    const decisions: Decision[] = [];
    r.ctx.rollout.on('decision', (d: Decision) => decisions.push(d));
    const from = hook.received.length;
    return { r, decisions, posts: () => hook.received.slice(from) };
  }

  /** Runs until `done` or `seconds` pass; returns the simulated seconds it took. */
  async function until(r: SimReplica, seconds: number, done: () => boolean): Promise<number> {
    for (let s = 1; s <= seconds; s++) {
      await r.run(1);
      if (done()) return s;
    }
    return -1;
  }
  const rollbacks = (ds: Decision[]) => ds.filter((d) => d.kind === 'auto_rollback');

  it('a regression on a healthy host rolls back within window + for + one interval', async () => {
    const { r, decisions } = await replica(11);
    await r.run(150);
    r.traffic = slow();
    const took = await until(r, 60 + FOR_MS / 1000 + 30, () => rollbacks(decisions).length > 0);
    expect(took).toBeGreaterThan(0);
    expect(rollbacks(decisions)[0]!.triggers).toEqual(expect.arrayContaining(['p95_latency']));
    expect(decisions.some((d) => d.kind === 'platform_alert')).toBe(false);
    expect(r.ctx.flagControl.view().phase).toBe(3);
  }, 120_000);

  it("a regression that burns this process's CPU on a loaded host is not excused: it rolls back", async () => {
    const { r, decisions } = await replica(12);
    await r.run(150);
    r.traffic = slow();
    r.host = { loadPerCore: 4, ownCpuCores: 1.0, eventLoopP99Ms: 120 };
    expect(await until(r, 60 + FOR_MS / 1000 + 30, () => rollbacks(decisions).length > 0)).toBeGreaterThan(0);
    expect(decisions.some((d) => d.kind === 'platform_alert')).toBe(false);
  }, 120_000);

  it('on a host saturated by other work it alerts once, keeps the phase, and the kill switch still works; past the limit it rolls back regardless', async () => {
    const { r, decisions, posts } = await replica(13);
    await r.run(150);
    r.traffic = slow();
    r.host = { ...SATURATED };
    expect(await until(r, 60 + FOR_MS / 1000 + 30, () => decisions.some((d) => d.kind === 'platform_alert'))).toBeGreaterThan(0);
    await r.run((2 * FOR_MS) / 1000);
    expect(rollbacks(decisions)).toEqual([]);
    expect(r.ctx.flagControl.view().phase).toBe(4);
    const alerts = decisions.filter((d) => d.kind === 'platform_alert');
    expect(alerts.map((d) => d.triggers[0])).toEqual(expect.arrayContaining(['p95_latency', 'slo_violation']));
    // Once per breach: the repeated firings while the host stays saturated add nothing.
    expect(new Set(alerts.map((d) => d.triggers[0])).size).toBe(alerts.length);
    expect(alerts[0]!.reason).toMatch(/host saturated by other work/);
    const isOutage = (p: Hook['received'][number]) => p.path === '/alerts' && /PLATFORM OUTAGE/.test(String(p.body.text));
    await waitFor('the PLATFORM OUTAGE post', () => posts().some(isOutage));
    const outage = posts().filter(isOutage);
    expect(outage.length).toBeGreaterThanOrEqual(1);
    expect(outage.length).toBeLessThanOrEqual(2);
    expect(String(outage[0]!.body.text)).toMatch(/No rollback \(phase 4 kept\).*regardless after 5 min/);
    const status = await r.ctx.rollout.status();
    const p95 = status.triggers.find((t) => t.id === 'p95_latency')!;
    expect(p95.status).toBe('pending');
    expect(p95.platform?.reason).toMatch(/host saturated/);
    expect(status.platform?.findings.some((f) => f.kind === 'host')).toBe(true);

    // The kill switch is the operator's, whatever the controller thinks of the platform.
    await r.ctx.flagControl.setOverrides({ EMERGENCY_ROLLBACK: true }, { actor: 'op', reason: 'drill' });
    expect(r.ctx.flagControl.view().emergency).toBe(true);
    expect(r.ctx.flagControl.view().flags.ENABLE_PRODUCTION_CACHE).toBe(false);
    await r.ctx.flagControl.setOverrides({ EMERGENCY_ROLLBACK: false }, { actor: 'op', reason: 'drill over' });
    expect(r.ctx.flagControl.view().emergency).toBe(false);

    expect(await until(r, MAX_DEFER_MS / 1000 + 60, () => rollbacks(decisions).length > 0)).toBeGreaterThan(0);
    const rb = rollbacks(decisions)[0]!;
    expect(rb.reason).toMatch(/rolled back regardless/);
    expect((rb.evidence as { platformRule?: Record<string, string> }).platformRule).toBeDefined();
    expect(r.ctx.flagControl.view().phase).toBe(3);
  }, 180_000);

  it('a breach that outlives the saturation rolls back at the next firing, saying the platform rule let it through', async () => {
    const { r, decisions, posts } = await replica(14);
    await r.run(150);
    r.traffic = slow();
    r.host = { ...SATURATED };
    expect(await until(r, 60 + FOR_MS / 1000 + 30, () => decisions.some((d) => d.kind === 'platform_alert'))).toBeGreaterThan(0);
    r.host = { ...HEALTHY_HOST };
    // The host is healthy from here on: one window of findings to age out, one `for:` to hold.
    const took = await until(r, (2 * FOR_MS) / 1000 + 60, () => rollbacks(decisions).length > 0);
    expect(took).toBeGreaterThan(0);
    expect(rollbacks(decisions)[0]!.reason).toMatch(/outlived every platform finding/);
    await waitFor('the Platform rule post on #performance', () =>
      posts().some((p) => p.path === '/performance' && /Platform rule:/.test(String(p.body.text))),
    );
  }, 120_000);

  it.runIf(redisReady)(
    "a replica that stopped serving during the breach puts a survivor's latency down to the fleet",
    async () => {
      const tdb = await createTestDb('sqlite');
      dbs.push(tdb);
      const a = await replica(15, { REDIS_URL: SHARED_REDIS_URL, DEALERSCOPE_REPLICA: 'survivor' }, tdb);
      await a.r.ctx.flagControl.setPhase(4, { actor: 'test', reason: 'start at phase 4' });
      const b = await replica(16, { REDIS_URL: SHARED_REDIS_URL, DEALERSCOPE_REPLICA: 'lost' }, tdb);
      await b.r.ctx.flagControl.load('start');
      for (let s = 0; s < 150; s++) {
        await a.r.run(1);
        await b.r.run(1);
      }
      // `lost` stops; the survivor carries its traffic and slows down.
      b.r.ctx.rollout.stop();
      a.r.traffic = slow();
      expect(await until(a.r, 60 + FOR_MS / 1000 + 30, () => a.decisions.some((d) => d.kind === 'platform_alert'))).toBeGreaterThan(0);
      const alert = a.decisions.find((d) => d.kind === 'platform_alert')!;
      expect(alert.reason).toMatch(/replica lost stopped reporting/);
      expect(rollbacks(a.decisions)).toEqual([]);
    },
    120_000,
  );
});

describe('host sampler', () => {
  it("reads load per core, this process's share of a core since the last reading, and the event-loop p99", async () => {
    const { processHostSampler, hostSaturation } = await import('../src/rollout/platform.js');
    let cpu = { user: 0, system: 0 };
    let us = 0;
    let resets = 0;
    const host = processHostSampler({
      loadavg: () => [6, 4, 2],
      cores: 2,
      cpuUsage: () => cpu,
      nowUs: () => us,
      eventLoop: {
        percentile: () => 80e6,
        reset: () => {
          resets++;
        },
      },
    });
    cpu = { user: 150_000, system: 50_000 };
    us = 1_000_000;
    const r = host.read();
    expect(r).toEqual({ loadPerCore: 3, ownCpuCores: 0.2, eventLoopP99Ms: 80 });
    expect(resets).toBe(1);
    expect(hostSaturation(r)).toMatch(/load 3.0 per core, event-loop delay p99 80 ms, this process 0.20 of a core/);
    // This process using most of a core is its own load, not the host's: no excuse.
    cpu = { user: 1_050_000, system: 150_000 };
    us = 2_000_000;
    expect(hostSaturation(host.read())).toBeNull();
    // A loaded host that does not delay this process's event loop is not what slows it.
    expect(hostSaturation({ loadPerCore: 3, ownCpuCores: 0.1, eventLoopP99Ms: 5 })).toBeNull();
  });
});
