// Finds a pool's Chromium processes (the browser process carries a marker switch; renderers,
// GPU and zygote processes are its descendants) through /proc, to measure their memory for
// recycling and to make sure none survives shutdown.
import { readdirSync, readFileSync } from 'node:fs';

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

/** The browser processes with a command-line argument starting with `marker`, and all their descendants. */
export function processTree(marker: string): number[] {
  const pids = allPids();
  const parent = new Map<number, number>();
  const roots: number[] = [];
  for (const pid of pids) {
    const stat = readProc(pid, 'stat');
    // The command name in field 2 may contain spaces and parentheses; fields resume after the last ')'.
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
    if (Number.isFinite(ppid)) parent.set(pid, ppid);
    const cmd = readProc(pid, 'cmdline');
    if (cmd?.split('\0').some((arg) => arg === marker || arg.startsWith(`${marker}.`))) roots.push(pid);
  }
  const tree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** Resident memory of the given processes, in bytes (VmRSS, so no page-size guess). */
export function residentBytes(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readProc(pid, 'status') ?? '');
    if (m) kb += Number(m[1]);
  }
  return kb * 1024;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it holds no memory and is gone once reaped.
    return !/^State:\s+Z/m.test(readProc(pid, 'status') ?? '');
  } catch {
    return false;
  }
}
