// A phase set while PostgreSQL is down is held in memory and announced on Redis. When the replica
// that set it dies before the database returns, a replica that heard it writes it once the
// database answers again (a poll later, so a live setter still writes first), in the setter's name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPhaseRecord } from '../src/flags/phase-store.js';
import { openDb, type Db } from '../src/storage/db.js';
import { migrate } from '../src/schema/migrate.js';
import { requirePostgresBinaries, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { requireRedis, SHARED_REDIS_URL } from './support/redis.js';
import { SimReplica } from './support/rollout-sim.js';

const ready = requirePostgresBinaries() && (await requireRedis());

describe.runIf(ready)('a held phase outlives the replica that set it', () => {
  let pgServer: PrivatePostgres;
  const dbs: Db[] = [];
  let a: SimReplica;
  let b: SimReplica;

  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
    const url = await pgServer.createDatabase('held_phase');
    const open = () => {
      const d = openDb(url);
      dbs.push(d);
      return d;
    };
    const first = open();
    await migrate(first);
    const env = { REDIS_URL: SHARED_REDIS_URL, FLAG_POLL_MS: '1000' };
    a = await new SimReplica(1).init(first, { ...env, DEALERSCOPE_REPLICA: 'setter' });
    b = await new SimReplica(2).init(open(), { ...env, DEALERSCOPE_REPLICA: 'survivor' });
    await a.ctx.flagControl.setPhase(3, { actor: 'test', reason: 'start at phase 3' });
    await b.ctx.flagControl.load('start');
    await a.ctx.flagControl.start();
    await b.ctx.flagControl.start();
  }, 120_000);

  afterAll(async () => {
    for (const r of [a, b]) {
      await r?.ctx.flagControl.stop();
      await r?.ctx.redis?.close();
    }
    for (const d of dbs) await d.close().catch(() => {});
    await pgServer?.destroy();
  }, 60_000);

  it("the survivor writes the dead setter's held phase when the database returns", async () => {
    await pgServer.stop('immediate');
    // A hold is newer than the row it overrides (the simulated clocks have not moved yet).
    a.clock.advance(1000);
    b.clock.advance(1000);
    const set = await a.ctx.flagControl.setPhaseEvenOffline(2, {
      actor: 'rollout:rollout-controller',
      reason: 'automatic rollback: drill',
    });
    expect(set.recorded).toBe(false);
    for (let i = 0; i < 100 && b.ctx.flagControl.heldPhase()?.phase !== 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(b.ctx.flagControl.heldPhase()?.phase).toBe(2);
    expect(b.ctx.flagControl.view().phase).toBe(2);
    // The setter dies before the database returns: it never writes its held phase.
    await a.ctx.flagControl.stop();

    await pgServer.start();
    let row = null;
    for (let i = 0; i < 120 && row?.phase !== 2; i++) {
      await b.run(1);
      await new Promise((r) => setTimeout(r, 100));
      row = await readPhaseRecord(b.ctx.db, 'production').catch(() => null);
    }
    expect(row?.phase).toBe(2);
    expect(row?.updatedBy).toBe('rollout:rollout-controller');
    expect(row?.reason).toMatch(/written by another replica/);
    for (let i = 0; i < 40 && b.ctx.flagControl.heldPhase() !== null; i++) await b.run(1);
    expect(b.ctx.flagControl.heldPhase()).toBeNull();
    expect(b.ctx.flagControl.view().phase).toBe(2);
  }, 120_000);
});
