// The fleet's request windows in Redis: a replica that served nothing reads the requests the
// others served, a restarted replica finds the windows where they were, and a rollback's decision
// names the replicas that measured and their shares. Without Redis a replica reads its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../src/rollout/state-store.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { requireRedis, SHARED_REDIS_URL } from './support/redis.js';
import { normalTraffic, SimReplica } from './support/rollout-sim.js';

const ready = await requireRedis();
const START = Date.UTC(2026, 5, 1);

describe.runIf(ready)('fleet-wide request windows', () => {
  let tdb: TestDb;
  const replicas: SimReplica[] = [];

  async function replica(name: string, start = START): Promise<SimReplica> {
    const r = await new SimReplica(name.charCodeAt(0), start).init(tdb.db, { REDIS_URL: SHARED_REDIS_URL, DEALERSCOPE_REPLICA: name });
    replicas.push(r);
    return r;
  }

  /** Moves every replica's clock together, one second at a time. */
  async function runAll(rs: SimReplica[], seconds: number): Promise<void> {
    for (let s = 0; s < seconds; s++) for (const r of rs) await r.run(1);
  }

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
  });
  afterAll(async () => {
    for (const r of replicas) {
      r.ctx.rollout.stop();
      await r.ctx.redis?.close();
    }
    await tdb.drop();
  });

  it('a replica that served nothing reads what the others served; a restarted one finds it still there', async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    await a.ctx.flagControl.setPhase(4, { actor: 'test', reason: 'start' });
    b.traffic = { ...normalTraffic(), rps: 0 };
    a.ctx.rollout.start();
    b.ctx.rollout.start();
    await runAll([a, b], 90);
    await b.ctx.rollout.measurements.syncFleet(60_000);
    const seen = b.ctx.rollout.measurements.read('error_rate', 60_000, 0);
    expect(seen.samples).toBeGreaterThanOrEqual(1080); // A's 20 requests a second, pushed every 2 s
    expect(seen.detail).toMatchObject({ scope: 'fleet' });
    expect((seen.detail as { replicas: Array<{ replica: string; share: number }> }).replicas).toEqual([
      expect.objectContaining({ replica: 'replica-a', share: 1 }),
    ]);
    expect((await b.ctx.rollout.status()).measurement.scope).toBe('fleet');

    // A restart: a new process (new name) at the same moment reads the window it did not serve.
    b.ctx.rollout.stop();
    const b2 = await replica('replica-b2', b.clock.now());
    await b2.ctx.rollout.measurements.syncFleet(60_000);
    expect(b2.ctx.rollout.measurements.read('error_rate', 60_000, 0).samples).toBeGreaterThanOrEqual(1080);
    const gate = await b2.ctx.rollout.gate();
    expect(gate.criteria.find((c) => c.id === 'error_rate')!.samples).toBeGreaterThanOrEqual(1080);
  }, 120_000);

  it("a rollback's decision names the replicas that measured and their shares", async () => {
    const [a, , b2] = replicas as [SimReplica, SimReplica, SimReplica];
    expect(b2, 'the first test left no replicas').toBeDefined();
    b2.traffic = { ...normalTraffic(), rps: 10 };
    a.traffic = { ...normalTraffic(), error: (i) => i % 20 === 0 }; // 5 % of A's requests fail
    const decisions: Decision[] = [];
    for (const r of [a, b2]) r.ctx.rollout.on('decision', (d: Decision) => decisions.push(d));
    b2.ctx.rollout.start();
    await runAll([a, b2], 5 * 60);
    const d = decisions.find((x) => x.kind === 'auto_rollback');
    expect(d, 'no rollback').toBeDefined();
    const by = (d!.evidence as { measuredBy: { scope: string; replicas: Array<{ replica: string; requests: number; share: number }> } })
      .measuredBy;
    expect(by.scope).toBe('fleet');
    const names = by.replicas.map((x) => x.replica);
    expect(names).toEqual(expect.arrayContaining(['replica-a', 'replica-b2']));
    const shareA = by.replicas.find((x) => x.replica === 'replica-a')!.share;
    expect(shareA).toBeGreaterThan(0.6);
    expect(shareA).toBeLessThan(0.72); // 20 of every 30 requests
  }, 120_000);

  it('without Redis a replica reads its own requests and says why', async () => {
    const solo = await new SimReplica(3).init(tdb.db);
    replicas.push(solo);
    await solo.run(30);
    const s = await solo.ctx.rollout.status();
    expect(s.measurement).toMatchObject({ scope: 'replica', reason: 'no Redis configured' });
  });
});
