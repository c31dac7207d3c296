// Cluster single flight against the machine's Redis: a waiting replica takes the holder's result
// however long its load takes, takes the load over as soon as the holder lets go without a
// result or its lock runs out, and never releases a lock that is no longer its own.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_LOCK_MS, CLUSTER_WAIT_MS, clusterFlight } from '../src/cache/cluster-flight.js';
import { ReadCache } from '../src/cache/read-cache.js';
import { RedisTier } from '../src/cache/redis-tier.js';
import { cacheSettings } from '../src/cache/settings.js';
import { FlagService } from '../src/flags/flag-service.js';
import { systemClock } from '../src/common/clock.js';
import { requireRedis, SHARED_REDIS_URL, uniquePrefix } from './support/redis.js';
import { waitFor } from './support/wait-for.js';

const redisOk = await requireRedis();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(redisOk)('cluster single flight over Redis', () => {
  const prefix = uniquePrefix('cluster-flight');
  let holderClient: Redis;
  let waiterClient: Redis;
  let raw: Redis;
  let holder: RedisTier;
  let waiter: RedisTier;
  let seq = 0;
  const nextKey = () => `k${++seq}`;
  const readFrom = (tier: RedisTier, key: string) => async () => (await tier.get(key)) ?? null;

  beforeAll(() => {
    holderClient = new Redis(SHARED_REDIS_URL);
    waiterClient = new Redis(SHARED_REDIS_URL);
    raw = new Redis(SHARED_REDIS_URL);
    holder = new RedisTier(holderClient, prefix, 200, systemClock);
    waiter = new RedisTier(waiterClient, prefix, 200, systemClock);
  });
  afterAll(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length) await raw.del(...keys);
    await Promise.all([holderClient.quit(), waiterClient.quit(), raw.quit()]);
  });

  it('the first replica to miss takes the lock and loads', async () => {
    const key = nextKey();
    const outcome = await clusterFlight(waiter, key, systemClock, readFrom(waiter, key));
    expect(outcome).toMatchObject({ load: 'lock' });
    expect(await raw.get(`${prefix}lock:${key}`)).toBe((outcome as { token: string }).token);
  });

  it('a waiter takes the holder’s result even when its load outlasts a second', async () => {
    const key = nextKey();
    const token = await holder.tryLock(key, CLUSTER_LOCK_MS);
    expect(typeof token).toBe('string');
    const waiting = clusterFlight(waiter, key, systemClock, readFrom(waiter, key));
    await sleep(1300);
    await holder.set(key, '"the page"', 60_000);
    await holder.unlock(key, token as string);
    expect(await waiting).toEqual({ found: '"the page"' });
  });

  it('a holder that lets go without a result (its load failed) hands the load over at once', async () => {
    const key = nextKey();
    // A lock that outlives the waiter's whole wait: `load: 'lock'` can then only come from the
    // release (waiting it out would end in `peer_timeout`), with no stopwatch in the test.
    const token = await holder.tryLock(key, 10 * CLUSTER_WAIT_MS);
    const waiting = clusterFlight(waiter, key, systemClock, readFrom(waiter, key));
    await sleep(100);
    await holder.unlock(key, token as string);
    const outcome = await waiting;
    expect(outcome).toMatchObject({ load: 'lock' });
    expect(await raw.get(`${prefix}lock:${key}`)).toBe((outcome as { token: string }).token);
  });

  it('a holder that is gone is replaced when its lock runs out', async () => {
    const key = nextKey();
    await holder.tryLock(key, 300);
    const outcome = await clusterFlight(waiter, key, systemClock, readFrom(waiter, key));
    expect(outcome).toMatchObject({ load: 'lock' });
  });

  it('a lock that ran out and was taken over is not released by its first holder', async () => {
    const key = nextKey();
    const first = await holder.tryLock(key, 100);
    await waitFor('the first lock to run out', async () => (await raw.exists(`${prefix}lock:${key}`)) === 0);
    const second = await waiter.tryLock(key, CLUSTER_LOCK_MS);
    expect(typeof second).toBe('string');
    await holder.unlock(key, first as string);
    expect(await raw.get(`${prefix}lock:${key}`)).toBe(second);
    await waiter.unlock(key, second as string);
    expect(await raw.get(`${prefix}lock:${key}`)).toBeNull();
  });

  it('with Redis unreachable the replica loads at once rather than wait', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    dead.on('error', () => {});
    const tier = new RedisTier(dead, prefix, 50, systemClock);
    try {
      const key = nextKey();
      expect(await clusterFlight(tier, key, systemClock, readFrom(tier, key))).toEqual({ load: 'redis_unavailable' });
    } finally {
      dead.disconnect();
    }
  });
});

describe.runIf(redisOk)('a replica whose load fails', () => {
  it('lets go of the cluster lock at once, so the next replica loads instead of waiting it out', async () => {
    const prefix = uniquePrefix('failed-load');
    const client = new Redis(SHARED_REDIS_URL);
    const flags = new FlagService({ env: 'development', rawEnv: { FF_CACHE_PROVIDER: 'redis' } });
    const cache = (tier: RedisTier) =>
      new ReadCache({
        flags,
        clock: systemClock,
        random: () => 0.5,
        settings: cacheSettings({}),
        redis: tier,
        version: () => 1,
      });
    const a = cache(new RedisTier(client, prefix, 200, systemClock));
    const b = cache(new RedisTier(client, prefix, 200, systemClock));
    try {
      await expect(
        a.through(
          () => 'page',
          () => Promise.reject(new Error('database unreachable')),
        ),
      ).rejects.toThrow('database unreachable');
      expect(a.loadReasons.lock).toBe(1);
      expect(await client.keys(`${prefix}lock:*`)).toEqual([]);
      // No lock left behind (above) and the next replica loads under its own lock, not after
      // waiting the failed one out (that would count as peer_timeout): no stopwatch needed.
      expect(
        await b.through(
          () => 'page',
          async () => ({ rows: [1, 2, 3] }),
        ),
      ).toEqual({ rows: [1, 2, 3] });
      expect(b.loadReasons).toMatchObject({ lock: 1, peer_timeout: 0, redis_unavailable: 0 });
      expect(await client.get(`${prefix}page`)).toBe('{"rows":[1,2,3]}');
    } finally {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
      await client.quit();
    }
  });
});
