// A flag change made on one replica is in force on another without waiting out a clock: two real
// services (each with its own PostgreSQL pool and Redis connections) on one database, over HTTP.
// With Redis the replicas' database polls are switched off, so a change can only arrive by the
// pub/sub announcement; without it, a change must be in force once the first poll that began
// after the write has finished (what "within one poll period" means, counted instead of timed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import type { ApplyVia } from '../src/flags/flag-control.js';
import type { FlagSnapshot } from '../src/flags/flag-service.js';
import { startService, type RunningService } from '../src/http/service.js';
import { databaseLease, redisLease } from '../src/rollout/lease.js';
import { openRedis } from '../src/storage/redis.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { requireRedis, SHARED_REDIS_URL, uniquePrefix } from './support/redis.js';
import { waitFor } from './support/wait-for.js';

const pgOk = await requirePostgres();
const redisOk = await requireRedis();
const TOKEN = 'test-admin-token-0123456789';

async function replica(url: string, redis: boolean): Promise<RunningService> {
  const env: Record<string, string> = {
    DEALERSCOPE_ENV: 'production',
    ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: url,
  };
  if (redis) {
    env.REDIS_URL = SHARED_REDIS_URL;
    // No poll within the test's life: whatever arrives came by pub/sub.
    env.FLAG_POLL_MS = String(3_600_000);
  }
  return startService(loadConfig(env), { sample: false, logger: false });
}

/**
 * POSTs a change to `from` and resolves once `to` has it in force, with how `to` applied it and,
 * when `to` polls, whether it was in force when the first poll begun after the write had finished.
 */
async function propagate(
  from: RunningService,
  to: RunningService,
  body: Record<string, unknown>,
  check: (s: FlagSnapshot) => boolean,
  polls: boolean,
): Promise<{ via: ApplyVia; inForceAfterFirstPoll: boolean | null }> {
  const control = to.ctx.flagControl;
  let via: ApplyVia | null = null;
  const onApplied = (e: { via: ApplyVia; after: FlagSnapshot }) => {
    if (via === null && check(e.after)) via = e.via;
  };
  control.on('applied', onApplied);
  // A poll called after the write reads after it (a read already in flight is followed by another).
  let armed = false;
  const after: { firstPoll?: Promise<boolean> } = {};
  const load = control.load.bind(control);
  control.load = (how?: ApplyVia) => {
    const done = load(how);
    if (armed && how === 'poll') after.firstPoll ??= done.then(() => check(to.ctx.flags.snapshot()));
    return done;
  };
  try {
    const res = await fetch(`${from.url}/admin/feature-flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-change-reason': 'propagation test' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    armed = true;
    const applied = await waitFor('the change in force on the other replica', () => via);
    if (!polls) return { via: applied, inForceAfterFirstPoll: null };
    await waitFor('a poll on the other replica after the write', () => after.firstPoll !== undefined);
    return { via: applied, inForceAfterFirstPoll: await after.firstPoll! };
  } finally {
    control.load = load;
    control.off('applied', onApplied);
  }
}

describe.each([
  { mode: 'Redis pub/sub, polls off', redis: true, run: pgOk && redisOk },
  { mode: 'database polling only', redis: false, run: pgOk },
])('propagation between two replicas on PostgreSQL ($mode)', ({ redis, run }) => {
  let tdb: TestDb;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb('postgres');
    a = await replica(tdb.url, redis);
    b = await replica(tdb.url, redis);
  });
  afterAll(async () => {
    if (!run) return;
    await a.close();
    await b.close();
    await tdb.drop();
  });

  /** Pub/sub with polls off; without Redis, the first poll after the write must have brought it. */
  const expectPropagated = (p: { via: ApplyVia; inForceAfterFirstPoll: boolean | null }) => {
    if (redis) expect(p.via).toBe('pubsub');
    else expect(p, 'in force once the first poll after the write had finished').toMatchObject({ via: 'poll', inForceAfterFirstPoll: true });
  };

  it.runIf(run)(`every override reaches the other replica ${redis ? 'by pub/sub' : 'by its next poll'}`, async () => {
    for (let i = 0; i < 8; i++) {
      const on = i % 2 === 0;
      expectPropagated(
        await propagate(
          i % 4 < 2 ? a : b,
          i % 4 < 2 ? b : a,
          { ENABLE_TTL_JITTER: on, MAX_BROWSER_CONTEXTS: i + 1 },
          (s) => s.flags.MAX_BROWSER_CONTEXTS === i + 1,
          !redis,
        ),
      );
    }
    // The kill switch travels the same way, and the other replica then serves v4.
    expectPropagated(await propagate(a, b, { EMERGENCY_ROLLBACK: true }, (s) => s.emergency, !redis));
    const res = await fetch(`${b.url}/api/opportunities?cursor=`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('cursor_pagination_disabled');
    await fetch(`${a.url}/admin/feature-flags/EMERGENCY_ROLLBACK`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
  });

  it.runIf(run)('a rollout decision on one replica moves the phase on the other', async () => {
    await a.ctx.flagControl.setPhase(3, { actor: 'test', reason: 'setup' });
    const seen = new Promise<void>((resolve) => {
      const on = (s: FlagSnapshot) => {
        if (s.phase === 1) {
          b.ctx.flags.off('change', on);
          resolve();
        }
      };
      b.ctx.flags.on('change', on);
    });
    const res = await fetch(`${a.url}/admin/rollout/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phase: 2, reason: 'drill' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    await seen;
    expect(b.ctx.flags.get('ENABLE_CIRCUIT_BREAKERS')).toBe(false);
    expect(b.ctx.flags.get('ENABLE_CURSOR_PAGINATION')).toBe(true);
  });
});

describe('the one-controller lease', () => {
  it.runIf(pgOk)('on the database: exactly one of two holders wins, and the other takes over after release', async () => {
    const tdb = await createTestDb('postgres');
    try {
      const t = Date.now();
      const x = databaseLease(
        () => tdb.db,
        'rollout:test',
        'x',
        () => t,
      );
      const y = databaseLease(
        () => tdb.db,
        'rollout:test',
        'y',
        () => t,
      );
      const won = await Promise.all([x.acquire(30_000), y.acquire(30_000)]);
      expect(won.filter(Boolean)).toHaveLength(1);
      const [winner, loser] = won[0] ? [x, y] : [y, x];
      expect(await winner.acquire(30_000)).toBe(true); // renewal
      expect(await loser.acquire(30_000)).toBe(false);
      await winner.release();
      expect(await loser.acquire(30_000)).toBe(true);
      // An expired lease is free for the taking.
      const late = databaseLease(
        () => tdb.db,
        'rollout:test',
        'z',
        () => t + 31_000,
      );
      expect(await late.acquire(30_000)).toBe(true);
    } finally {
      await tdb.drop();
    }
  });

  it.runIf(redisOk)('on Redis: exactly one of two holders wins, and the other takes over after release', async () => {
    const h = await openRedis(SHARED_REDIS_URL);
    try {
      // Commands fail rather than queue before the connection is up (enableOfflineQueue: false).
      await waitFor('the Redis connection', () => h.client.status === 'ready');
      const key = `${uniquePrefix('rollout-lease')}lease`;
      const x = redisLease(h.client, key, 'x');
      const y = redisLease(h.client, key, 'y');
      const won = await Promise.all([x.acquire(5_000), y.acquire(5_000)]);
      expect(won.filter(Boolean)).toHaveLength(1);
      const [winner, loser] = won[0] ? [x, y] : [y, x];
      expect(await loser.acquire(5_000)).toBe(false);
      await loser.release(); // not the holder: must not free the winner's lease
      expect(await loser.acquire(5_000)).toBe(false);
      await winner.release();
      expect(await loser.acquire(5_000)).toBe(true);
      await loser.release();
    } finally {
      await h.close();
    }
  });
});
