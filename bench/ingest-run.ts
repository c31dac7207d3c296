// The ingest scenario: a generated feed (bench/ingest-feed.ts) imported by the real CLI
// (`dealerscope ingest --file … --json`) into a private, freshly migrated database, with the
// import process's CPU time and peak RSS read from /proc while it runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/common/paths.js';
import { SERVICE_MALLOC_ENV } from '../src/http/heap-options.js';
import { createBenchDb } from './databases.js';
import { writeFeedFile } from './ingest-feed.js';

export interface IngestResult {
  dialect: 'sqlite' | 'postgres';
  rows: number;
  fileMb: number;
  seconds: number;
  listingsPerSecond: number;
  /** User + system CPU of the import process, per listing: steadier than the rate on a shared machine. */
  cpuMsPerListing: number;
  peakRssMb: number;
  /** One-minute load average when the import started and ended. */
  load: [number, number];
  exitCode: number | null;
}

const TICKS_PER_SECOND = 100;

function procSample(pid: number): { cpuTicks: number; hwmKb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuTicks: Number(fields[11]) + Number(fields[12]), hwmKb: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return null;
  }
}

/** Runs the CLI import; CPU and peak RSS are the last /proc readings before it exits (every 50 ms). */
async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ seconds: number; cpuSeconds: number; peakRssMb: number; exitCode: number | null }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'src', 'cli', 'main.js'), ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let last = { cpuTicks: 0, hwmKb: 0 };
  const timer = setInterval(() => {
    // A process that has exited but not been reaped still has its CPU times, but no memory lines.
    const s = procSample(child.pid!);
    if (s) last = { cpuTicks: Math.max(last.cpuTicks, s.cpuTicks), hwmKb: Math.max(last.hwmKb, s.hwmKb) };
  }, 50);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearInterval(timer);
  if (exitCode !== 0 && exitCode !== 2) throw new Error(`dealerscope ${args.join(' ')} failed (${exitCode}): ${stderr}`);
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    cpuSeconds: last.cpuTicks / TICKS_PER_SECOND,
    peakRssMb: last.hwmKb / 1024,
    exitCode,
  };
}

export async function runIngest(dialect: 'sqlite' | 'postgres', rows: number, log: (m: string) => void): Promise<IngestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ds-bench-ingest-'));
  const bdb = await createBenchDb(dialect);
  try {
    const file = join(dir, `feed-${rows}.csv`);
    await writeFeedFile(file, rows);
    // As the image runs it: its own heap defaults, one malloc arena (the image sets it for every command).
    const env = { ...process.env, ...SERVICE_MALLOC_ENV, DATABASE_URL: bdb.url, SNAPSHOT_DIR: join(dir, 'snapshots'), NODE_OPTIONS: '' };
    const migrated = spawnSync(process.execPath, [join(packageRoot(), 'dist', 'src', 'cli', 'main.js'), 'migrate'], {
      env,
      encoding: 'utf8',
    });
    if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    log(`ingest (${dialect}): importing ${rows} listings`);
    const before = loadavg()[0]!;
    const r = await runCli(['ingest', '--file', file, '--json'], env);
    const result: IngestResult = {
      dialect,
      rows,
      fileMb: Number(readFileSync(file).length) / 1048576,
      seconds: r.seconds,
      listingsPerSecond: rows / r.seconds,
      cpuMsPerListing: (r.cpuSeconds * 1000) / rows,
      peakRssMb: r.peakRssMb,
      load: [before, loadavg()[0]!],
      exitCode: r.exitCode,
    };
    log(
      `ingest (${dialect}): ${Math.round(result.listingsPerSecond)} listings/s, ${result.cpuMsPerListing.toFixed(3)} ms CPU each, peak RSS ${result.peakRssMb.toFixed(0)} MB (load ${result.load.map((l) => l.toFixed(1)).join(' → ')})`,
    );
    return result;
  } finally {
    await bdb.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
