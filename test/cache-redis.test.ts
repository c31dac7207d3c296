// The Redis tier against a real Redis: two replicas share hits and invalidations through the
// machine's server (private key prefix), one load per cluster in a stampede, and an outage of a
// private redis-server that no request notices and the cache recovers from by itself.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTier } from '../src/cache/redis-tier.js';
import { ManualClock, systemClock, type Clock } from '../src/common/clock.js';
import { openDb, type Db } from '../src/storage/db.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { ingestMadeListings } from './support/listings.js';
import { requireRedis, SHARED_REDIS_URL, startPrivateRedis, uniquePrefix, type PrivateRedis } from './support/redis.js';
import { waitFor } from './support/wait-for.js';

const redisOk = await requireRedis();
const START = Date.UTC(2026, 10, 1);

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 8000): Promise<void> {
  await waitFor(what, check, { timeoutMs: ms, intervalMs: 25 });
}

async function dropKeys(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  await r.quit();
}

interface Replica {
  t: TestApp;
  db: Db;
}

async function replica(dbUrl: string, env: Record<string, string>, clock?: Clock): Promise<Replica> {
  const db = openDb(dbUrl);
  return { db, t: await buildTestApp(db, { FF_CACHE_PROVIDER: 'redis', ...env }, clock) };
}

async function closeReplica(r: Replica): Promise<void> {
  await r.t.app.close();
  await r.t.ctx.redis?.close();
  await r.db.close();
}

describe.runIf(redisOk)('Redis cache shared by two replicas', () => {
  let tdb: TestDb;
  let a: Replica;
  let b: Replica;
  const prefix = uniquePrefix('cache');

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    await ingestMadeListings(tdb.db, 80, 5, 'R', START);
    const env = { REDIS_URL: SHARED_REDIS_URL, CACHE_KEY_PREFIX: prefix };
    // Manual clocks: the version poll never fires, so only Redis pub/sub can carry an invalidation.
    a = await replica(tdb.url, env, new ManualClock(START));
    // Same file, another spelling of its URL: B is not told in-process about A's ingests.
    b = await replica(tdb.url.replace(/^sqlite:/, ''), env, new ManualClock(START));
  });
  afterAll(async () => {
    await closeReplica(a);
    await closeReplica(b);
    await tdb.drop();
    await dropKeys(SHARED_REDIS_URL, prefix);
  });

  it('a page loaded by one replica is a hit on the other without touching the database', async () => {
    const url = '/api/opportunities?page=1&limit=20&sort=score';
    const ra = await a.t.app.inject({ method: 'GET', url });
    expect(ra.statusCode).toBe(200);
    const bQueries = b.db.stats.queries;
    const bHits = b.t.ctx.cache.stats().hits;
    const rb = await b.t.app.inject({ method: 'GET', url });
    expect(rb.statusCode).toBe(200);
    expect(rb.body).toBe(ra.body);
    expect(b.db.stats.queries).toBe(bQueries);
    expect(b.t.ctx.cache.stats().hits - bHits).toBe(1); // one request, built from the page and total in Redis
    const metrics = (await b.t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/dealerscope_cache_tier_hits_total\{tier="redis"\} [1-9]/);
  });

  it('an ingest on one replica invalidates the other through pub/sub', async () => {
    const url = '/api/opportunities?page=1&limit=5';
    const before = (await b.t.app.inject({ method: 'GET', url })).json();
    const vB = b.t.ctx.cache.dataVersion();
    await ingestMadeListings(a.db, 2, 77, 'PUB', START + 3_600_000);
    await eventually(() => b.t.ctx.cache.dataVersion() > vB, 'replica B to learn the new data version');
    const after = (await b.t.app.inject({ method: 'GET', url })).json();
    expect(after.total).toBe(before.total + 2);
    expect(after.data.map((o: { lotId: string }) => o.lotId)).toEqual(expect.arrayContaining(['PUB0', 'PUB1']));
  });

  it('readiness shows the Redis tier healthy', async () => {
    const report = await b.t.ctx.readiness.report();
    expect(report.components.cache?.status).toBe('ok');
    expect(b.t.ctx.cache.stats().degraded).toBe(false);
  });
});

describe.runIf(redisOk)('cluster single flight', () => {
  let tdb: TestDb;
  let a: Replica;
  let b: Replica;
  const prefix = uniquePrefix('flight');

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    await ingestMadeListings(tdb.db, 60, 9, 'S', START);
    const env = { REDIS_URL: SHARED_REDIS_URL, CACHE_KEY_PREFIX: prefix };
    a = await replica(tdb.url, env);
    b = await replica(tdb.url, env);
  });
  afterAll(async () => {
    await closeReplica(a);
    await closeReplica(b);
    await tdb.drop();
    await dropKeys(SHARED_REDIS_URL, prefix);
  });

  it('100 concurrent cold misses on each of two replicas load the key once', async () => {
    const url = '/api/opportunities?cursor=&limit=30&sort=roi&state=FL';
    const loads0 = a.t.ctx.cache.counters().loads + b.t.ctx.cache.counters().loads;
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).t.app.inject({ method: 'GET', url })));
    expect(res.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(res.map((r) => r.body)).size).toBe(1);
    expect(a.t.ctx.cache.counters().loads + b.t.ctx.cache.counters().loads - loads0).toBe(1);
    // The one load was the lock holder's; no replica gave up waiting or on Redis.
    const reasons = [a, b].map((r) => r.t.ctx.cache.counters().loadReasons);
    expect(reasons.reduce((n, x) => n + x.lock, 0)).toBe(1);
    expect(reasons.reduce((n, x) => n + x.peer_timeout + x.redis_unavailable + x.unshared + x.local, 0)).toBe(0);
    const holder = reasons[0]!.lock === 1 ? a : b;
    expect((await holder.t.app.inject({ method: 'GET', url: '/metrics' })).body).toContain(
      'dealerscope_cache_loads_total{reason="lock"} 1',
    );
  });
});

describe.runIf(redisOk)('Redis outage', () => {
  let tdb: TestDb;
  let redis: PrivateRedis;
  let r: Replica;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    tdb = await createTestDb('sqlite');
    await ingestMadeListings(tdb.db, 60, 11, 'O', START);
    r = await replica(tdb.url, { REDIS_URL: redis.url, CACHE_KEY_PREFIX: 'outage:' });
  });
  afterAll(async () => {
    await closeReplica(r);
    await tdb.drop();
    await redis.destroy();
  });

  it('no request fails while Redis is down, readiness and the metric show degraded, and it recovers', async () => {
    const get = (url: string) => r.t.app.inject({ method: 'GET', url });
    for (let id = 1; id <= 10; id++) expect((await get(`/api/opportunities/${id}`)).statusCode).toBe(200);
    expect((await r.t.ctx.readiness.report()).components.cache?.status).toBe('ok');

    await redis.stop();
    const during = [];
    for (let round = 0; round < 3; round++) {
      for (let id = 1; id <= 20; id++) during.push(await get(`/api/opportunities/${id}`)); // half cached, half not
      during.push(await get(`/api/opportunities?page=${round + 1}&limit=10`));
    }
    expect(during.map((x) => x.statusCode).filter((s) => s !== 200)).toEqual([]);
    const report = await r.t.ctx.readiness.report();
    expect(report.components.cache?.status).toBe('degraded');
    expect(report.ready).toBe(true);
    expect(r.t.ctx.cache.stats().degraded).toBe(true);
    expect((await get('/metrics')).body).toContain('dealerscope_cache_degraded 1');

    await redis.start();
    await eventually(async () => (await r.t.ctx.readiness.report()).components.cache?.status === 'ok', 'the cache to recover');
    expect(r.t.ctx.cache.stats().degraded).toBe(false);
    // Writes reach Redis again: a fresh key lands there.
    expect((await get('/api/opportunities?page=9&limit=3')).statusCode).toBe(200);
    const check = new Redis(redis.url);
    await eventually(async () => (await check.keys('outage:v*')).length > 0, 'a cache entry in the restarted Redis');
    await check.quit();
    expect((await get('/metrics')).body).toContain('dealerscope_cache_degraded 0');
  });
});

describe.runIf(redisOk)('Redis tier timeouts', () => {
  it('an answer that came while the event loop was busy past the timeout is used, not taken for an outage', async () => {
    const client = new Redis(SHARED_REDIS_URL);
    const prefix = uniquePrefix('busy-loop');
    const tier = new RedisTier(client, prefix, 20, systemClock);
    try {
      await tier.set('k', '"v"', 60_000);
      const pending = tier.get('k');
      // A burst of synchronous work (hundreds of requests arriving at once) outlasts the timeout.
      const until = performance.now() + 100;
      while (performance.now() < until) {
        /* busy */
      }
      expect(await pending).toBe('"v"');
      expect(tier.degraded).toBe(false);
    } finally {
      await dropKeys(SHARED_REDIS_URL, prefix);
      await client.quit();
    }
  });

  it('a Redis that stops answering is still given up on after about the timeout', async () => {
    const redis = await startPrivateRedis();
    const client = new Redis(redis.url);
    const blocker = new Redis(redis.url);
    const tier = new RedisTier(client, 'slow:', 30, systemClock);
    try {
      await tier.set('k', '"v"', 60_000);
      // Redis runs one command at a time: a 400 ms script holds every other client's reply.
      const busy = blocker.eval(
        `local s = redis.call('TIME'); local t0 = s[1] * 1000000 + s[2]
        repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - t0 > 400000
        return 1`,
        0,
      );
      let scriptEnded = false;
      void busy.then(() => (scriptEnded = true));
      await new Promise((r) => setTimeout(r, 20)); // the script is running (ordering only: Redis has no "started" signal)
      expect(await tier.get('k')).toBeUndefined();
      // Given up on while Redis was still busy, not answered once it was free: the tier's own
      // timeout decided, which is what a stopwatch here used to approximate.
      expect(scriptEnded).toBe(false);
      expect(tier.degraded).toBe(true);
      await busy;
    } finally {
      client.disconnect();
      blocker.disconnect();
      await redis.destroy();
    }
  });
});
