// Lighthouse's simulated throttling multiplies every millisecond of the page's main-thread work by
// four, so a run that shares the two cores with anything else (the database still cleaning up
// after the suite, a straggling process) scores that load, not the page: a CI run right after the
// suite measured the unchanged list and watchlist pages at 88-92 while a quiet run scored 100.
// Before each Lighthouse run, wait until the machine is quiet, and say what was busy when it is not.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Quietness {
  /** Share of CPU time idle over the last sample, 0-1. */
  idle: number;
  waitedMs: number;
  quiet: boolean;
  /** The busiest processes when the machine never went quiet. */
  busiest: string[];
}

interface CpuTimes {
  idle: number;
  total: number;
}

/** The machine's aggregate CPU times (the first line of /proc/stat), in clock ticks. */
export function cpuTimes(stat = readFileSync('/proc/stat', 'utf8')): CpuTimes {
  const line = stat.split('\n', 1)[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  if (line.split(/\s+/)[0] !== 'cpu' || ticks.length < 4 || ticks.some((t) => !Number.isFinite(t))) {
    throw new Error(`unexpected first line of /proc/stat: ${JSON.stringify(line)}`);
  }
  // idle + iowait: waiting on the disk leaves the CPU to anyone else.
  return { idle: ticks[3]! + (ticks[4] ?? 0), total: ticks.reduce((a, b) => a + b, 0) };
}

export function idleShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total > 0 ? (after.idle - before.idle) / total : 1;
}

function busiestProcesses(): string[] {
  try {
    const out = execFileSync('ps', ['-eo', 'pcpu,pid,comm', '--sort=-pcpu'], { encoding: 'utf8', timeout: 5_000 });
    return out
      .trim()
      .split('\n')
      .slice(1, 6)
      .map((l) => l.trim());
  } catch {
    return [];
  }
}

/** Samples the idle share every `sampleMs` until it reaches `minIdle` or `maxWaitMs` has passed. */
export async function waitForQuietMachine({
  minIdle = 0.85,
  maxWaitMs = 90_000,
  sampleMs = 1_000,
}: { minIdle?: number; maxWaitMs?: number; sampleMs?: number } = {}): Promise<Quietness> {
  const started = Date.now();
  let idle = 0;
  for (;;) {
    const before = cpuTimes();
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    idle = idleShare(before, cpuTimes());
    const waitedMs = Date.now() - started;
    if (idle >= minIdle) return { idle, waitedMs, quiet: true, busiest: [] };
    if (waitedMs >= maxWaitMs) return { idle, waitedMs, quiet: false, busiest: busiestProcesses() };
  }
}
