// `npm run bench`: seeds private databases, drives the real service in child processes with a
// Zipf workload, prints a table and writes bench/results/<timestamp>.json and latest.json.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { BenchModule } from '../src/cli/bench-command.js';
import { COMMAND_MALLOC_ENV, SERVICE_HEAP_OPTIONS, SERVICE_MALLOC_ENV } from '../src/http/heap-options.js';
import { packageRoot } from '../src/common/paths.js';
import { seededRandom } from '../src/common/random.js';
import { postgresReachable } from './databases.js';
import { DEFAULT_ENTRIES, PHASE4_ENTRIES, runDialect, type DialectResult } from './dialect-run.js';
import { renderReport, TARGETS, verdicts } from './report.js';
import { runIngest, runLargeIngest, type IngestResult } from './ingest-run.js';
import { redisReachable } from './redis-run.js';
import { sampleMemory, type SampleMemory } from './sample-memory.js';
import { requireH2load } from './h2load.js';
import { wrkAvailable, WRK } from './wrk.js';
import { DETAIL_SHARE, topPathsShare, ZIPF_EXPONENT, zipfWorkload } from './workload.js';

export interface BenchOptions {
  rows?: number;
  quick?: boolean;
  duration?: number;
  connections: number;
  dialects: string;
  redis: boolean;
  /** false with --no-memory: skip the sample-data memory runs. */
  memory?: boolean;
  /** false with --no-dialects: only the sample-data memory runs. */
  throughput?: boolean;
  out?: string;
  /** false with --no-ingest: skip the import scenario. */
  ingest?: boolean;
  /** --only-ingest: the import scenario alone (no wrk needed). */
  onlyIngest?: boolean;
  ingestRows?: number;
  /** --ingest-rounds: times the import scenario runs, each into a fresh database (bench/ingest-rounds.ts). */
  ingestRounds?: number;
  /** --ingest-large-rows: the large file imported once for its peak RSS (0 skips it). */
  ingestLargeRows?: number;
}

/** The benchmark's options, shared by `npm run bench` and `dealerscope bench`. */
export function benchCommand(cmd: Command): Command {
  return cmd
    .description(
      'Benchmark DealerScope with wrk: cache off/on, cached vs bare Fastify (gzip and plain clients, server CPU per request), stampede, deep pages, sample-data RSS, on SQLite and PostgreSQL',
    )
    .option('--rows <n>', 'opportunities to seed (default 100000; 5000 with --quick)', (v) => Number.parseInt(v, 10))
    .option('--quick', 'a small fast run (5,000 rows, 2 s per load)')
    .option('--duration <s>', 'seconds per load run', (v) => Number.parseInt(v, 10))
    .option('--connections <n>', 'concurrent connections per load run', (v) => Number.parseInt(v, 10), 50)
    .option('--dialects <list>', 'sqlite,postgres', 'sqlite,postgres')
    .option('--no-redis', 'skip the two-replica Redis run')
    .option('--no-memory', 'skip the sample-data memory runs (RSS idle and after the mixed load)')
    .option('--no-throughput', 'only the sample-data memory runs')
    .option('--no-ingest', 'skip the import scenario (dealerscope ingest of a generated feed)')
    .option('--only-ingest', 'run only the import scenario')
    .option('--ingest-rows <n>', 'listings in the generated feed (default 20000; 5000 with --quick)', (v) => Number.parseInt(v, 10))
    .option(
      '--ingest-rounds <n>',
      'times the import scenario runs, each into a fresh database; judged on the median round (default 3; 1 with --quick)',
      (v) => Number.parseInt(v, 10),
    )
    .option(
      '--ingest-large-rows <n>',
      'listings in a larger file imported once, for its peak RSS (default 100000; 0 skips it, as --quick does)',
      (v) => Number.parseInt(v, 10),
    )
    .option('--out <dir>', 'where the JSON results go (default bench/results)');
}

/** Runs the whole benchmark; prints the table on stdout, progress on stderr. Returns the results file. */
export async function runBench(o: BenchOptions): Promise<string> {
  for (const [name, v] of [
    ['--rows', o.rows],
    ['--duration', o.duration],
    ['--connections', o.connections],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`${name} must be a positive integer`);
  }
  const rows = o.rows ?? (o.quick ? 5000 : 100_000);
  const durationS = o.duration ?? (o.quick ? 2 : 6);
  const started = Date.now();
  const log = (msg: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

  const dialects = o.dialects
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean) as Array<'sqlite' | 'postgres'>;
  const unknown = dialects.filter((d) => d !== 'sqlite' && d !== 'postgres');
  if (unknown.length || dialects.length === 0) throw new Error(`--dialects takes sqlite and/or postgres, got "${o.dialects}"`);
  const ingestRows = o.ingestRows ?? (o.quick ? 5000 : 20_000);
  if (!Number.isInteger(ingestRows) || ingestRows < 1) throw new Error('--ingest-rows must be a positive integer');
  const ingestRounds = o.ingestRounds ?? (o.quick ? 1 : 3);
  if (!Number.isInteger(ingestRounds) || ingestRounds < 1) throw new Error('--ingest-rounds must be a positive integer');
  const ingestLargeRows = o.ingestLargeRows ?? (o.quick ? 0 : 100_000);
  if (!Number.isInteger(ingestLargeRows) || ingestLargeRows < 0) throw new Error('--ingest-large-rows must be 0 or a positive integer');
  const ingest: IngestResult[] = [];
  if (o.ingest !== false) {
    for (const dialect of dialects) {
      if (dialect === 'postgres' && !(await postgresReachable())) continue;
      ingest.push(...(await runIngest(dialect, ingestRows, log, ingestRounds)));
      if (ingestLargeRows > 0) ingest.push(await runLargeIngest(dialect, ingestLargeRows, log));
    }
  }
  if (o.onlyIngest) {
    process.stdout.write(`${renderReport([], {}, [], ingest)}\n`);
    return writeResults(
      started,
      { rows, durationS, connections: o.connections, ingestRows, ingestRounds, ingestLargeRows },
      o.out,
      { results: [], memory: [], ingest, verdicts: verdicts([], {}, [], ingest) },
      log,
    );
  }
  if (!wrkAvailable())
    throw new Error(
      `The benchmark drives load with wrk, not found at ${WRK}: install it (Debian/Ubuntu: apt-get install wrk) or set BENCH_WRK`,
    );
  if (o.throughput !== false) requireH2load();
  const withRedis = o.redis && (await redisReachable());
  if (o.redis && !withRedis) log('Redis is not reachable: skipping the Redis run');
  const results: DialectResult[] = [];
  for (const dialect of o.throughput === false ? [] : dialects) {
    if (dialect === 'postgres' && !(await postgresReachable())) {
      log('PostgreSQL is not reachable: skipping it');
      continue;
    }
    log(
      `${dialect}: start (${rows} rows, ${durationS} s per run, ${o.connections} connections, replicas run with ${SERVICE_HEAP_OPTIONS.join(' ')})`,
    );
    results.push(await runDialect(dialect, { rows, durationS, connections: o.connections, log }, withRedis));
  }

  const memory: SampleMemory[] = [];
  if (o.memory !== false) {
    if (dialects.includes('sqlite')) memory.push(await sampleMemory('sqlite', { rows, durationS, connections: o.connections, log }));
    if (dialects.includes('postgres') && withRedis && (await postgresReachable()))
      memory.push(await sampleMemory('postgres+redis', { rows, durationS, connections: o.connections, log }));
  }

  // The same traffic on every dialect, so its bound is counted once.
  const pathShare = topPathsShare(
    zipfWorkload(rows, seededRandom(11), seededRandom(25)).next,
    [DEFAULT_ENTRIES, PHASE4_ENTRIES],
    1_000_000,
  );
  const report = renderReport(results, pathShare, memory, ingest);
  process.stdout.write(`${report}\n`);
  const out = {
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 1024 / 1024), node: process.version },
    settings: {
      loadGenerator: `wrk -t1 (${WRK}); autocannon for the fixed-count stampede; paced runs by the bench's own client`,
      rows,
      durationS,
      connections: o.connections,
      ingestRows,
      ingestRounds,
      ingestLargeRows,
      zipfExponent: ZIPF_EXPONENT,
      detailShare: DETAIL_SHARE,
      serviceNodeOptions: SERVICE_HEAP_OPTIONS,
      serviceEnv: SERVICE_MALLOC_ENV,
      importEnv: COMMAND_MALLOC_ENV,
    },
    targets: TARGETS,
    verdicts: verdicts(results, pathShare, memory, ingest),
    pathShare,
    results,
    memory,
    ingest,
  };
  return writeResults(started, out.settings, o.out, out, log);
}

function writeResults(started: number, settings: object, outDir: string | undefined, body: object, log: (m: string) => void): string {
  const out = { startedAt: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, settings, ...body };
  const dir = outDir ?? join(packageRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2));
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(out, null, 2));
  log(`done in ${out.seconds.toFixed(0)} s; wrote ${file} and latest.json`);
  return file;
}

// `dealerscope bench` imports this file by a specifier the compiler does not follow.
({ benchCommand, runBench }) satisfies BenchModule;

// `npm run bench` runs this file directly; `dealerscope bench` imports it.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const program = benchCommand(new Command('bench')).parse();
  await runBench(program.opts<BenchOptions>());
}
