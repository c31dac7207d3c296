// Two replicas with CACHE_PROVIDER=redis sharing the machine's Redis under a private key prefix:
// the Zipf mix split across both, and the stampede split across both (one load per cluster).
import { Redis } from 'ioredis';
import { seededRandom } from '../src/common/random.js';
import { serviceEnv, startChild, type Child } from './child.js';
import { coldTag, measured, WARM_UP_PER_ROW, warmUp, type BenchSettings, type Measured } from './measure.js';
import { zipfWorkload } from './workload.js';

export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RedisRun {
  replicas: number;
  mix: Measured;
  stampedeDbQueries: number;
  stampedeLoads: number;
  /** Why the stampede's loads went to the database: one `lock` is the target. */
  stampedeLoadReasons: Record<string, number>;
  stampedeFailed: number;
}

export async function redisReachable(): Promise<boolean> {
  const r = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export async function redisRun(databaseUrl: string, s: BenchSettings, dialect: string): Promise<RedisRun> {
  const prefix = `dsbench:${process.pid}:${dialect}:`;
  const env = serviceEnv(databaseUrl, { REDIS_URL: BENCH_REDIS_URL, FF_CACHE_PROVIDER: 'redis', CACHE_KEY_PREFIX: prefix });
  const replicas: Child[] = [];
  try {
    replicas.push(await startChild('server-child', env), await startChild('server-child', env));
    // A shared cache's steady state: it keeps every key any replica loaded for the TTL (5 min),
    // so after a short warm-up the rate still measures first sightings of the 100 k listings.
    const warm = Math.round(s.rows * WARM_UP_PER_ROW.redis);
    s.log(`${dialect}: redis, two replicas, zipf mix (${warm} requests warm-up, not reported)`);
    const warmed = await warmUp(
      `${dialect}: redis`,
      replicas,
      replicas.map((r) => r.url),
      zipfWorkload(s.rows, seededRandom(11)).next,
      { connections: s.connections, durationS: s.durationS },
      warm,
      s.log,
    );
    s.log(`${dialect}: redis, two replicas, zipf mix (warm)`);
    const mix = await measured(
      `zipf mix, cache on (redis, 2 replicas, after ${warmed} requests)`,
      replicas,
      replicas.map((r) => r.url),
      zipfWorkload(s.rows, seededRandom(11), seededRandom(21)).next,
      { connections: s.connections, durationS: s.durationS },
    );
    s.log(`${dialect}: redis, two replicas, stampede`);
    const path = `/api/opportunities?cursor=&limit=50&sort=roi&minProfit=-${coldTag()}`;
    const st = await measured(
      'stampede (redis, 2 replicas)',
      replicas,
      replicas.map((r) => r.url),
      () => path,
      { connections: 1000, amount: 1000 },
    );
    return {
      replicas: replicas.length,
      mix,
      stampedeDbQueries: st.dbQueries,
      stampedeLoads: st.cacheLoads,
      stampedeLoadReasons: st.loadReasons,
      stampedeFailed: st.errors + st.non2xx,
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop().catch(() => {})));
    const r = new Redis(BENCH_REDIS_URL);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    await r.quit();
  }
}
