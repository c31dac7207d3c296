// One process's /proc/PID/stat, for the benchmark's CPU readings (the import's, and the
// PostgreSQL server's). The command name in field 2 may hold spaces and parentheses, so the
// fields are taken from after its last ')'.
import { readFileSync } from 'node:fs';

/** Clock ticks a second in /proc's CPU fields (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/**
 * The fields after the command name, or null when the process is gone (or not readable):
 * state is [0], ppid [1], utime [11], stime [12], and the reaped children's cutime [13], cstime [14].
 */
export function procStatFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
