// Applies the dialect's migration history; safe to run at every start and from many processes
// at once (Kysely's Migrator takes a lock and skips what is already recorded).
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { byCodeUnit } from '../common/compare.js';
import type { Db } from './db.js';

class StatementListProvider implements MigrationProvider {
  constructor(private readonly history: MigrationHistory) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, statements] of Object.entries(this.history)) {
      out[name] = {
        up: async (db) => {
          for (const statement of statements) await sql.raw(statement).execute(db);
        },
      };
    }
    return out;
  }
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/** A dialect's history: migration name → its statements, one per element. */
export type MigrationHistory = Record<string, string[]>;

/** Applies a history; src/schema/migrate.ts holds the histories of every capability. */
export async function applyMigrations(db: Db, history: MigrationHistory): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: new StatementListProvider(history),
    // Capabilities add migrations independently; order among them does not matter.
    allowUnorderedMigrations: true,
    // Kysely's default compares names with localeCompare, which maps ICU's collation data into
    // every process that starts (src/common/compare.ts): about 3 MB of a replica's idle RSS.
    nameComparator: byCodeUnit,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const why = error instanceof Error ? error.message : String(error);
    // No migration ran: the database was not reached (or its history not read), which is what to say.
    if (failed === undefined) throw new Error(`cannot use the database (${redactedTarget(db.url)}): ${why}`);
    throw new Error(`migration ${failed} failed: ${why}`);
  }
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return { applied, alreadyApplied: Object.keys(history).length - applied.length };
}

/** Where a database URL points, without its credentials. */
function redactedTarget(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'sqlite:') return url;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.startsWith('sqlite:') ? url : 'the configured DATABASE_URL';
  }
}
