// Telling a platform outage from a bad phase. Rolling flags back cannot repair a database that is
// down or a table that is gone: every phase reads the same tables. So a latency or error trigger
// that fires while a plain read of the opportunities table fails is alerted as a platform outage
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

export function databasePlatformProbe(db: () => Db, timeoutMs = 2000): PlatformProbe {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        databaseReadProbe(db()),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
      ]);
      return null;
    } catch (err) {
      return `database read failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
    } finally {
      clearTimeout(timer);
    }
  };
}
