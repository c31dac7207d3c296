// `npm run bench:cluster`: throughput and latency of 1 and 3 replicas side by side on PostgreSQL
// + Redis (CACHE_PROVIDER=redis, the machine's Redis under a private key prefix per scenario so
// neither inherits the other's warm cache). Each scenario warms up, then measures the benchmark's
// Zipf mix with the same total connections, dealt evenly over the replicas (one autocannon per
// replica). Prints a table and writes bench/results/cluster-latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { packageRoot } from '../src/common/paths.js';
import { seededRandom } from '../src/common/random.js';
import { openDb } from '../src/storage/db.js';
import { migrate } from '../src/schema/migrate.js';
import { serviceEnv, startChild, type Child } from './child.js';
import { clusterLoad, type ClusterLoadResult } from './cluster-load.js';
import { createBenchDb, postgresReachable } from './databases.js';
import { BENCH_REDIS_URL, redisReachable } from './redis-run.js';
import { seedOpportunities } from './seed.js';
import { DETAIL_SHARE, ZIPF_EXPONENT, zipfWorkload } from './workload.js';

interface Scenario extends ClusterLoadResult {
  replicas: number;
  hitRate: number | null;
  maxRssMb: number;
  warmUp: { requests: number; rps: number };
}

const program = new Command('bench:cluster')
  .description('Cluster benchmark: 1 vs 3 replicas on PostgreSQL + Redis with the Zipf mix (bounded runs on 127.0.0.1)')
  .option('--rows <n>', 'opportunities to seed', (v) => Number.parseInt(v, 10), 20_000)
  .option('--duration <s>', 'measured seconds per scenario', (v) => Number.parseInt(v, 10), 8)
  .option('--warmup <s>', 'warm-up seconds per scenario (same mix, not measured)', (v) => Number.parseInt(v, 10), 4)
  .option('--connections <n>', 'total concurrent connections, split over the replicas', (v) => Number.parseInt(v, 10), 24)
  .option('--replicas <list>', 'replica counts to compare', '1,3')
  .parse();
const o = program.opts<{ rows: number; duration: number; warmup: number; connections: number; replicas: string }>();
const counts = o.replicas.split(',').map((s) => Number.parseInt(s.trim(), 10));
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) throw new Error('--replicas takes counts from 1 to 8, e.g. 1,3');
if (o.duration > 60 || o.warmup > 60) throw new Error('keep each run bounded: --duration and --warmup at most 60 s');

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[bench:cluster ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

async function dropKeys(prefix: string): Promise<void> {
  const r = new Redis(BENCH_REDIS_URL);
  try {
    for await (const batch of r.scanStream({ match: `${prefix}*`, count: 1000 })) {
      if ((batch as string[]).length) await r.del(...(batch as string[]));
    }
  } finally {
    await r.quit();
  }
}

async function scenario(databaseUrl: string, n: number): Promise<Scenario> {
  const prefix = `dsbench-cluster:${process.pid}:${n}:`;
  const env = serviceEnv(databaseUrl, {
    REDIS_URL: BENCH_REDIS_URL,
    FF_CACHE_PROVIDER: 'redis',
    CACHE_KEY_PREFIX: prefix,
    RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
  });
  const replicas: Child[] = [];
  try {
    for (let i = 0; i < n; i++) replicas.push(await startChild('server-child', env));
    const urls = replicas.map((r) => r.url);
    // The same request sequence for every scenario.
    const workload = zipfWorkload(o.rows, seededRandom(21));
    log(`${n} replica(s): warm-up ${o.warmup} s`);
    const warm = await clusterLoad(urls, workload.next, { connections: o.connections, durationS: o.warmup });
    const before = await Promise.all(replicas.map((r) => r.stats()));
    log(`${n} replica(s): measuring ${o.duration} s, ${o.connections} connections`);
    const load = await clusterLoad(urls, workload.next, { connections: o.connections, durationS: o.duration });
    const after = await Promise.all(replicas.map((r) => r.stats()));
    const hits = after.reduce((a, s, i) => a + s.cache.hits - before[i]!.cache.hits, 0);
    const misses = after.reduce((a, s, i) => a + s.cache.misses - before[i]!.cache.misses, 0);
    return {
      replicas: n,
      ...load,
      hitRate: hits + misses ? hits / (hits + misses) : null,
      maxRssMb: Math.max(...after.map((s) => s.rss / 1024 / 1024)),
      warmUp: { requests: warm.requests, rps: warm.rps },
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop().catch(() => {})));
    await dropKeys(prefix);
  }
}

function table(rows: Scenario[]): string {
  const header = ['replicas', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'non-2xx', 'hit rate', 'max RSS MB', 'requests per replica'];
  const cells = rows.map((s) => [
    String(s.replicas),
    s.rps.toFixed(0),
    s.p50.toFixed(1),
    s.p95.toFixed(1),
    s.p99.toFixed(1),
    String(s.errors),
    String(s.non2xx),
    s.hitRate === null ? '—' : `${(s.hitRate * 100).toFixed(1)} %`,
    s.maxRssMb.toFixed(0),
    s.perReplicaRequests.join(' / '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

if (!(await postgresReachable()) || !(await redisReachable())) {
  log('the cluster benchmark needs PostgreSQL and Redis on 127.0.0.1');
  process.exit(1);
}
const bdb = await createBenchDb('postgres');
const results: Scenario[] = [];
try {
  const db = openDb(bdb.url);
  try {
    await migrate(db);
    let lastPct = -1;
    await seedOpportunities(db, o.rows, (done, total) => {
      const pct = Math.floor((done / total) * 100);
      if (pct !== lastPct && pct % 25 === 0) log(`seeding ${done}/${total}`);
      lastPct = pct;
    });
  } finally {
    await db.close();
  }
  for (const n of counts) results.push(await scenario(bdb.url, n));
} finally {
  await bdb.drop();
}

const base = results.find((r) => r.replicas === 1);
const scaling = Object.fromEntries(
  results.filter((r) => r !== base && base).map((r) => [`${r.replicas}x`, { throughput: r.rps / base!.rps, p95: r.p95 / base!.p95 }]),
);
process.stdout.write(
  `\nCluster benchmark (PostgreSQL + Redis, ${o.rows} rows, ${o.duration} s measured after ${o.warmup} s warm-up, ${o.connections} connections, ${cpus().length} CPUs shared with the load generator)\n`,
);
process.stdout.write(`${table(results)}\n`);
for (const [k, v] of Object.entries(scaling))
  process.stdout.write(`${k} vs 1 replica: throughput ×${v.throughput.toFixed(2)}, p95 ×${v.p95.toFixed(2)}\n`);
const out = {
  startedAt: new Date(started).toISOString(),
  seconds: (Date.now() - started) / 1000,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 1024 / 1024), node: process.version },
  settings: {
    ...o,
    replicaCounts: counts,
    zipfExponent: ZIPF_EXPONENT,
    detailShare: DETAIL_SHARE,
    database: 'postgres',
    cache: 'redis',
    balancing: 'one autocannon instance per replica, connections split evenly, paths from one shared Zipf stream',
  },
  results,
  scaling,
};
const dir = join(packageRoot(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'cluster-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
log(`done in ${out.seconds.toFixed(0)} s; wrote bench/results/cluster-latest.json`);
