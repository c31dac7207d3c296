// The one-controller-acts lock: a lease in the shared store. Redis `SET NX PX` when Redis is
// configured, else a row in `rollout_leases` taken with a conditional upsert. A lease expires on
// its own, so a controller that dies while holding it blocks the others for one lease at most.
import type { Redis } from 'ioredis';
import type { Db } from '../storage/index.js';

export interface Lease {
  /** True when this holder now owns the lease (newly or by renewal). */
  acquire(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
  readonly holder: string;
}

const RELEASE_IF_MINE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW_IF_MINE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export function redisLease(client: Redis, key: string, holder: string): Lease {
  return {
    holder,
    async acquire(ttlMs) {
      const set = await client.set(key, holder, 'PX', ttlMs, 'NX');
      if (set === 'OK') return true;
      return (await client.eval(RENEW_IF_MINE, 1, key, holder, String(ttlMs))) === 1;
    },
    async release() {
      await client.eval(RELEASE_IF_MINE, 1, key, holder);
    },
  };
}

export function databaseLease(db: () => Db, name: string, holder: string, now: () => number): Lease {
  return {
    holder,
    async acquire(ttlMs) {
      const t = now();
      // Takes the row when it is free, expired or already ours; otherwise leaves it untouched.
      await db()
        .kysely.insertInto('rollout_leases')
        .values({ name, holder, expires_at: t + ttlMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder, expires_at: t + ttlMs })
            .where((eb) => eb.or([eb('rollout_leases.expires_at', '<=', t), eb('rollout_leases.holder', '=', holder)])),
        )
        .execute();
      const row = await db()
        .kysely.selectFrom('rollout_leases')
        .select(['holder', 'expires_at'])
        .where('name', '=', name)
        .executeTakeFirst();
      return row?.holder === holder && Number(row.expires_at) > t;
    },
    async release() {
      await db().kysely.deleteFrom('rollout_leases').where('name', '=', name).where('holder', '=', holder).execute();
    },
  };
}
