// `npm run bench`: seeds private databases, drives the real service in child processes with a
// Zipf workload, prints a table and writes bench/results/<timestamp>.json and latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../src/shared/paths.js';
import { postgresReachable } from './databases.js';
import { runDialect, type DialectResult } from './dialect-run.js';
import { renderReport, TARGETS, verdicts } from './report.js';
import { redisReachable } from './redis-run.js';
import { DETAIL_SHARE, ZIPF_EXPONENT } from './workload.js';

const program = new Command('bench')
  .description('Benchmark DealerScope: cache off/on, bare Fastify, stampede, deep pages, on SQLite and PostgreSQL')
  .option('--rows <n>', 'opportunities to seed', (v) => Number.parseInt(v, 10), 100_000)
  .option('--quick', 'a small fast run (5,000 rows, 2 s per load)')
  .option('--duration <s>', 'seconds per load run', (v) => Number.parseInt(v, 10))
  .option('--connections <n>', 'concurrent connections per load run', (v) => Number.parseInt(v, 10), 32)
  .option('--dialects <list>', 'sqlite,postgres', 'sqlite,postgres')
  .option('--no-redis', 'skip the two-replica Redis run')
  .parse();

const o = program.opts<{ rows: number; quick?: boolean; duration?: number; connections: number; dialects: string; redis: boolean }>();
const rows = o.quick && program.getOptionValueSource('rows') === 'default' ? 5000 : o.rows;
const durationS = o.duration ?? (o.quick ? 2 : 6);
const started = Date.now();
const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

const dialects = o.dialects.split(',').map((d) => d.trim()).filter(Boolean) as Array<'sqlite' | 'postgres'>;
const withRedis = o.redis && (await redisReachable());
if (o.redis && !withRedis) log('Redis is not reachable: skipping the Redis run');
const results: DialectResult[] = [];
for (const dialect of dialects) {
  if (dialect === 'postgres' && !(await postgresReachable())) {
    log('PostgreSQL is not reachable: skipping it');
    continue;
  }
  log(`${dialect}: start (${rows} rows, ${durationS} s per run, ${o.connections} connections)`);
  results.push(await runDialect(dialect, { rows, durationS, connections: o.connections, log }, withRedis));
}

const report = renderReport(results);
process.stdout.write(`${report}\n`);
const out = {
  startedAt: new Date(started).toISOString(),
  seconds: (Date.now() - started) / 1000,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 1024 / 1024), node: process.version },
  settings: { rows, durationS, connections: o.connections, zipfExponent: ZIPF_EXPONENT, detailShare: DETAIL_SHARE },
  targets: TARGETS,
  verdicts: verdicts(results),
  results,
};
const dir = join(packageRoot(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(out, null, 2));
writeFileSync(join(dir, 'latest.json'), JSON.stringify(out, null, 2));
log(`done in ${out.seconds.toFixed(0)} s; wrote ${file} and latest.json`);
