// The ingest scenario: a generated feed (bench/ingest-feed.ts) imported by the real CLI
// (`dealerscope ingest --file … --json`) into a private, freshly migrated database, with the
// import process's CPU time and peak RSS from GNU time (or, without it, /proc while it runs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/common/paths.js';
import { COMMAND_MALLOC_ENV, SERVICE_MALLOC_ENV } from '../src/http/heap-options.js';
import { openDb } from '../src/storage/index.js';
import { BENCH_PG_ADMIN_URL, createBenchDb } from './databases.js';
import { writeFeedFile } from './ingest-feed.js';
import { combineRounds, type IngestRound } from './ingest-rounds.js';
import { procStatFields, TICKS_PER_SECOND } from './proc-stat.js';
import { postgresServerCpu } from './server-cpu.js';

export interface IngestResult extends IngestRound {
  dialect: 'sqlite' | 'postgres';
  rows: number;
  /**
   * Listings stored before the import: 0 for the first file, into a fresh database; then the
   * second, a day later's file of other units of the same fleets under new lots, into what the
   * first stored (a dealer's store does not stay empty). Results written before it have neither.
   */
  storedBefore?: number;
  fileMb: number;
  exitCode: number | null;
  /** Where the CPU and peak RSS figures came from: GNU time (the kernel's wait4) or /proc sampling. */
  measuredBy: 'wait4' | 'proc';
  /**
   * Every round's figures when the scenario ran more than once: the round's own fields are then
   * the median round's, the peak RSS the highest (bench/ingest-rounds.ts). Results written before
   * rounds have none.
   */
  rounds?: IngestRound[];
  /**
   * `memory`: the import of a file several times the usual size, run once to show that peak RSS
   * does not grow with the file; its rate is reported, not judged (the usual file's rounds are).
   */
  purpose?: 'memory';
}

function procSample(pid: number): { cpuTicks: number; hwmKb: number } | null {
  const fields = procStatFields(pid);
  if (fields === null) return null;
  try {
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuTicks: Number(fields[11]) + Number(fields[12]), hwmKb: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return null;
  }
}

// GNU time reports the import's peak RSS from the kernel's own count (wait4's ru_maxrss), which
// sees a peak however late it comes. Sampling /proc cannot read a process that has exited, so it
// would miss a rise in the last 50 ms. The sampling stays as the fallback where GNU time is not
// installed.
export const GNU_TIME = process.env.BENCH_TIME ?? '/usr/bin/time';

/** GNU time's `-f '%M %U %S'` line: peak RSS in KB, user and system seconds. */
export function parseGnuTime(text: string): { peakKb: number; cpuSeconds: number } | null {
  const m = /^(\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)\s*$/m.exec(text);
  return m ? { peakKb: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]) } : null;
}

/**
 * Runs Node with `nodeArgs` (the import: the CLI's entry and its arguments). CPU and peak RSS come
 * from GNU time when it is installed, else from the last /proc readings before the process exits
 * (every 50 ms). Exit codes other than 0 and 2 (some rows rejected) are failures.
 */
export async function runMeasured(
  nodeArgs: string[],
  env: NodeJS.ProcessEnv,
  dir: string,
): Promise<{ seconds: number; cpuSeconds: number; peakRssMb: number; exitCode: number | null; measuredBy: 'wait4' | 'proc' }> {
  const started = process.hrtime.bigint();
  const cli = [process.execPath, ...nodeArgs];
  const timeFile = join(dir, 'time.txt');
  const timed = existsSync(GNU_TIME);
  const [command, ...rest] = timed ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, ...cli] : cli;
  const child = spawn(command!, rest, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let last = { cpuTicks: 0, hwmKb: 0 };
  const timer = timed
    ? null
    : setInterval(() => {
        // A process that has exited but not been reaped still has its CPU times, but no memory lines.
        const s = procSample(child.pid!);
        if (s) last = { cpuTicks: Math.max(last.cpuTicks, s.cpuTicks), hwmKb: Math.max(last.hwmKb, s.hwmKb) };
      }, 50);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  if (timer) clearInterval(timer);
  if (exitCode !== 0 && exitCode !== 2) throw new Error(`node ${nodeArgs.join(' ')} failed (${exitCode}): ${stderr}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (timed) {
    const t = parseGnuTime(readFileSync(timeFile, 'utf8'));
    if (!t) throw new Error(`${GNU_TIME} wrote no '%M %U %S' line: ${readFileSync(timeFile, 'utf8').slice(0, 300)}`);
    return { seconds, cpuSeconds: t.cpuSeconds, peakRssMb: t.peakKb / 1024, exitCode, measuredBy: 'wait4' };
  }
  return { seconds, cpuSeconds: last.cpuTicks / TICKS_PER_SECOND, peakRssMb: last.hwmKb / 1024, exitCode, measuredBy: 'proc' };
}

/** Listings the database holds now. */
async function storedListings(url: string): Promise<number> {
  const db = openDb(url);
  try {
    const r = await db.kysely
      .selectFrom('listings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  } finally {
    await db.close();
  }
}

/**
 * The import scenario on one dialect, `rounds` times: the generated feed into a fresh database,
 * then a second file (another seed: other units of the same makes, models and years, as new lots)
 * into what the first stored, each by its own CLI process. Each file's rounds are combined as
 * bench/ingest-rounds.ts says.
 */
export async function runIngest(
  dialect: 'sqlite' | 'postgres',
  rows: number,
  log: (m: string) => void,
  rounds = 1,
): Promise<IngestResult[]> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`import rounds must be a positive integer, got ${rounds}`);
  const dir = mkdtempSync(join(tmpdir(), 'ds-bench-ingest-'));
  try {
    const files = [join(dir, `feed-${rows}.csv`), join(dir, `feed-${rows}-next.csv`)];
    await writeFeedFile(files[0]!, rows, {});
    await writeFeedFile(files[1]!, rows, { seed: 8, lotPrefix: 'M' });
    const byFile: IngestResult[][] = files.map(() => []);
    for (let round = 1; round <= rounds; round++) {
      const label = rounds > 1 ? ` round ${round}/${rounds}` : '';
      const results = await ingestRound(dialect, rows, files, dir, (m) => log(`ingest (${dialect}${label}): ${m}`));
      results.forEach((r, i) => byFile[i]!.push(r));
    }
    return byFile.map((r) => (r.length > 1 ? combineRounds(r) : r[0]!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One import of a generated file of `rows` (100,000 by default: 27 MB, five times the usual file)
 * into a fresh database, for its peak RSS: the import's memory must not grow with its file.
 */
export async function runLargeIngest(dialect: 'sqlite' | 'postgres', rows: number, log: (m: string) => void): Promise<IngestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ds-bench-ingest-large-'));
  try {
    const file = join(dir, `feed-${rows}.csv`);
    log(`ingest (${dialect}, large file): writing ${rows} listings`);
    await writeFeedFile(file, rows, { seed: 3, lotPrefix: 'B' });
    const [result] = await ingestRound(dialect, rows, [file], dir, (m) => log(`ingest (${dialect}, large file): ${m}`));
    return { ...result!, purpose: 'memory' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One round: a fresh database, migrated, then each file imported in turn by its own CLI process. */
async function ingestRound(
  dialect: 'sqlite' | 'postgres',
  rows: number,
  files: string[],
  dir: string,
  log: (m: string) => void,
): Promise<IngestResult[]> {
  const bdb = await createBenchDb(dialect);
  const snapshots = mkdtempSync(join(dir, 'snapshots-'));
  try {
    // As the image runs it: its own heap defaults and the malloc settings the image sets for every command.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...COMMAND_MALLOC_ENV,
      DATABASE_URL: bdb.url,
      SNAPSHOT_DIR: snapshots,
      NODE_OPTIONS: '',
    };
    // A caller's shell may carry the service's malloc thresholds (npm start's); the image's import does not.
    for (const name of Object.keys(SERVICE_MALLOC_ENV)) if (!(name in COMMAND_MALLOC_ENV)) delete env[name];
    const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
    const migrated = spawnSync(process.execPath, [cli, 'migrate'], {
      env,
      encoding: 'utf8',
    });
    if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    const server = dialect === 'postgres' ? await postgresServerCpu(BENCH_PG_ADMIN_URL) : null;
    const database = server ? new URL(bdb.url).pathname.slice(1) : '';
    const out: IngestResult[] = [];
    for (const file of files) {
      const storedBefore = out.length ? await storedListings(bdb.url) : 0;
      const into = storedBefore ? `into ${storedBefore} stored` : 'into an empty database';
      log(`importing ${rows} listings ${into}`);
      const before = loadavg()[0]!;
      const serverBefore = server?.read();
      const r = await runMeasured([cli, 'ingest', '--file', file, '--json'], env, dir);
      // The import's backends leave as it exits; their time is counted once the postmaster has them.
      await server?.settled(database);
      const serverSeconds = server ? server.read() - serverBefore! : undefined;
      const result: IngestResult = {
        dialect,
        rows,
        storedBefore,
        fileMb: statSync(file).size / 1048576,
        seconds: r.seconds,
        listingsPerSecond: rows / r.seconds,
        cpuMsPerListing: (r.cpuSeconds * 1000) / rows,
        ...(serverSeconds === undefined ? {} : { serverCpuMsPerListing: (serverSeconds * 1000) / rows }),
        peakRssMb: r.peakRssMb,
        load: [before, loadavg()[0]!],
        exitCode: r.exitCode,
        measuredBy: r.measuredBy,
      };
      log(
        `${into}: ${Math.round(result.listingsPerSecond)} listings/s, ${result.cpuMsPerListing.toFixed(3)} ms CPU each${result.serverCpuMsPerListing === undefined ? '' : ` (+ ${result.serverCpuMsPerListing.toFixed(3)} ms the server's)`}, peak RSS ${result.peakRssMb.toFixed(0)} MB (${result.measuredBy === 'wait4' ? 'GNU time' : '/proc sampled'}; load ${result.load.map((l) => l.toFixed(1)).join(' → ')})`,
      );
      out.push(result);
    }
    return out;
  } finally {
    await bdb.drop();
  }
}
