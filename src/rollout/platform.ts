// Telling a platform outage from a bad phase. Rolling flags back cannot repair a database that is
// down, slow, or missing a table: every phase reads the same tables. So a latency or error trigger
// that fires while a plain read of the opportunities table fails (or is slower than the latency
// trigger's 250 ms) is alerted as a platform outage
// and the phase is kept. Memory and capability triggers (cache, breakers, browser pool, …) watch
// something a phase switched on, so they roll back as before.
import type { Db } from '../storage/db.js';
import { databaseReadProbe } from '../resilience/guarded-reads.js';
import type { TriggerDef } from './triggers.js';

/** Resolves to why the platform is failing, or null when it answers. */
export type PlatformProbe = () => Promise<string | null>;

export function isPlatformSensitive(t: TriggerDef): boolean {
  return t.conditions.some((c) => c.metric === 'error_rate' || c.metric === 'p95_ms');
}

/**
 * Fails when a one-row read of the opportunities table fails, or takes longer than `slowMs` (the
 * latency trigger's bound: a database that slow is slow for every phase).
 */
export function databasePlatformProbe(db: () => Db, timeoutMs = 2000, slowMs = 250): PlatformProbe {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    try {
      await Promise.race([
        databaseReadProbe(db()),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
      ]);
      const ms = performance.now() - started;
      return ms > slowMs ? `database slow: ${Math.round(ms)} ms for a one-row read` : null;
    } catch (err) {
      return `database read failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
    } finally {
      clearTimeout(timer);
    }
  };
}
