// Single flight across replicas, through Redis: of the replicas that miss one key at once, the
// one that takes a short lock loads it from the database and stores it; the others poll Redis for
// its result. A waiter loads for itself only when it can no longer expect that result: Redis has
// gone away, or the lock was let go (the holder's load failed) or ran out (the holder is stuck or
// gone) and the waiter took it over.
import type { Clock } from '../common/clock.js';
import type { RedisTier } from './redis-tier.js';

/**
 * Why a read went to the database:
 * - `local`: no Redis tier in use (each replica loads for itself);
 * - `unshared`: Redis in use, single flight off;
 * - `lock`: this replica held the cluster lock for the key;
 * - `peer_timeout`: another replica held the lock past the longest wait;
 * - `redis_unavailable`: Redis did not answer in time, so the replica loaded rather than wait.
 */
export const LOAD_REASONS = ['local', 'unshared', 'lock', 'peer_timeout', 'redis_unavailable'] as const;
export type LoadReason = (typeof LOAD_REASONS)[number];

// A holder's lock outlives any healthy load (the database breaker gives up sooner), so the lock
// running out means its holder is stuck or gone.
export const CLUSTER_LOCK_MS = 3000;
export const CLUSTER_POLL_MS = 15;
// A waiter gives up no later than the lock it waits on would run out.
export const CLUSTER_WAIT_MS = CLUSTER_LOCK_MS;

export type ClusterOutcome<T> = { found: T } | { load: 'lock'; token: string } | { load: 'peer_timeout' | 'redis_unavailable' };

/**
 * Waits for the replica that loads `key`, or becomes that replica. `read` looks the key up in
 * Redis (null when absent or unanswered). A `lock` outcome carries the token to release it with.
 */
export async function clusterFlight<T>(
  redis: RedisTier,
  key: string,
  clock: Clock,
  read: () => Promise<T | null>,
): Promise<ClusterOutcome<T>> {
  const deadline = clock.now() + CLUSTER_WAIT_MS;
  let token = await redis.tryLock(key, CLUSTER_LOCK_MS);
  for (;;) {
    if (token === null) return { load: 'redis_unavailable' };
    if (token) {
      // The previous holder may have stored the value and let go between our miss and our lock.
      const found = await read();
      if (found === null) return { load: 'lock', token };
      void redis.unlock(key, token);
      return { found };
    }
    if (clock.now() >= deadline) return { load: 'peer_timeout' };
    await new Promise<void>((resolve) => clock.setTimeout(resolve, CLUSTER_POLL_MS));
    const found = await read();
    if (found !== null) return { found };
    if (redis.degraded) return { load: 'redis_unavailable' };
    // Still held (the usual case) or free again with nothing stored: then the first waiter to
    // take it over loads.
    token = await redis.tryLock(key, CLUSTER_LOCK_MS);
  }
}
