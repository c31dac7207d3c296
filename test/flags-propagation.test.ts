// A flag change made on one replica is in force on another within one second: two real services
// (each with its own PostgreSQL pool and Redis connections) on one database, over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import type { FlagSnapshot } from '../src/flags/flag-service.js';
import { startService, type RunningService } from '../src/http/service.js';
import { databaseLease, redisLease } from '../src/rollout/lease.js';
import { openRedis } from '../src/storage/redis.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { requireRedis, SHARED_REDIS_URL, uniquePrefix } from './support/redis.js';

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
  if (redis) env.REDIS_URL = SHARED_REDIS_URL;
  return startService(loadConfig(env), { sample: false, logger: false });
}

/** POSTs a change to `from` and resolves with the ms until `to` has it in force. */
async function propagate(
  from: RunningService,
  to: RunningService,
  body: Record<string, unknown>,
  check: (s: FlagSnapshot) => boolean,
): Promise<number> {
  const seen = new Promise<number>((resolve) => {
    const onChange = (s: FlagSnapshot) => {
      if (!check(s)) return;
      to.ctx.flags.off('change', onChange);
      resolve(performance.now());
    };
    to.ctx.flags.on('change', onChange);
  });
  const started = performance.now();
  const res = await fetch(`${from.url}/admin/feature-flags`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-change-reason': 'propagation test' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const timeout = new Promise<number>((_, reject) => setTimeout(() => reject(new Error('not propagated within 3 s')), 3000).unref());
  return (await Promise.race([seen, timeout])) - started;
}

describe.each([
  { mode: 'Redis pub/sub + polling', redis: true, run: pgOk && redisOk },
  { mode: 'database polling only', redis: false, run: pgOk },
])('propagation between two replicas on PostgreSQL ($mode)', ({ mode, redis, run }) => {
  let tdb: TestDb;
  let a: RunningService;
  let b: RunningService;
  const times: number[] = [];

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
    times.sort((x, y) => x - y);
    console.log(
      `propagation (${mode}): n=${times.length} median ${times[Math.floor(times.length / 2)]?.toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms`,
    );
  });

  it.runIf(run)('every override reaches the other replica in under 1 s', async () => {
    for (let i = 0; i < 8; i++) {
      const on = i % 2 === 0;
      const ms = await propagate(
        i % 4 < 2 ? a : b,
        i % 4 < 2 ? b : a,
        { ENABLE_TTL_JITTER: on, MAX_BROWSER_CONTEXTS: i + 1 },
        (s) => s.flags.MAX_BROWSER_CONTEXTS === i + 1,
      );
      times.push(ms);
      expect(ms).toBeLessThan(1000);
    }
    // The kill switch travels the same way, and the other replica then serves v4.
    times.push(await propagate(a, b, { EMERGENCY_ROLLBACK: true }, (s) => s.emergency));
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
      await new Promise((r) => setTimeout(r, 100));
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
