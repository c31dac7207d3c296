// The embedded default's memory, as `npm start` runs it: a service that imported the bundled
// sample on its first start is started again, left idle, then given the standard mixed load
// (the Zipf mix, gzip and plain-JSON clients), and its RSS read at each point. The same on
// PostgreSQL with Redis as cache provider, where configured.
import { seededRandom } from '../src/common/random.js';
import { MAX_RATE_LIMIT_PER_MINUTE } from '../src/resilience/index.js';
import { serviceEnv, startChild } from './child.js';
import { createBenchDb } from './databases.js';
import { measured, type BenchSettings, type Measured } from './measure.js';
import { BENCH_REDIS_URL } from './redis-run.js';
import { zipfWorkload } from './workload.js';

export interface SampleMemory {
  setup: string;
  listings: number;
  /** RSS a few seconds after start, before any request (the quality monitor's first pass included). */
  idleRssMb: number;
  /** RSS after the mixed load. */
  loadedRssMb: number;
  loadSeconds: number;
  runs: Measured[];
}

// The quality monitor reads its sample a moment after start; idle means after that.
const IDLE_WAIT_MS = 5000;

export async function sampleMemory(setup: 'sqlite' | 'postgres+redis', s: BenchSettings): Promise<SampleMemory> {
  const bdb = await createBenchDb(setup === 'sqlite' ? 'sqlite' : 'postgres');
  const prefix = `dsbench:${process.pid}:sample:`;
  const env = serviceEnv(bdb.url, {
    BENCH_SAMPLE: '1',
    // Every phase-1 and phase-2 feature on: the in-memory rate limit too, with a limit this one
    // client cannot reach (the load comes from one address).
    FF_ENABLE_RATE_LIMITING: 'true',
    RATE_LIMIT_PER_MINUTE: String(MAX_RATE_LIMIT_PER_MINUTE),
    ...(setup === 'postgres+redis' ? { REDIS_URL: BENCH_REDIS_URL, FF_CACHE_PROVIDER: 'redis', CACHE_KEY_PREFIX: prefix } : {}),
  });
  try {
    s.log(`memory (${setup}): first start imports the sample`);
    const first = await startChild('server-child', env);
    await first.stop();
    const svc = await startChild('server-child', env);
    try {
      await new Promise((r) => setTimeout(r, IDLE_WAIT_MS));
      const idle = await svc.stats();
      const listings = 2399;
      // About a minute of mixed reads in full runs (the plan's "after a minute"), shorter with --quick.
      const each = Math.max(2, s.durationS * 2);
      const runs: Measured[] = [];
      for (const [i, gzip] of [true, false, true, false, true].entries()) {
        s.log(`memory (${setup}): mixed load ${i + 1}/5 (${gzip ? 'gzip' : 'plain'} clients, ${each} s)`);
        runs.push(
          await measured(
            `sample data, zipf mix, ${gzip ? 'gzip' : 'plain'} (${setup})`,
            [svc],
            svc.url,
            zipfWorkload(listings, seededRandom(31 + i)).next,
            { connections: s.connections, durationS: each, gzip },
          ),
        );
      }
      const loaded = await svc.stats();
      return {
        setup,
        listings,
        idleRssMb: idle.rss / 1024 / 1024,
        loadedRssMb: loaded.rss / 1024 / 1024,
        loadSeconds: each * runs.length,
        runs,
      };
    } finally {
      await svc.stop();
    }
  } finally {
    await bdb.drop();
    if (setup === 'postgres+redis') {
      const { Redis } = await import('ioredis');
      const r = new Redis(BENCH_REDIS_URL);
      const keys = await r.keys(`${prefix}*`);
      if (keys.length) await r.del(...keys);
      await r.quit();
    }
  }
}
