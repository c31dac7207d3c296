// The database as a whole: the one migration history per dialect that lists every capability's
// migrations (src/schema/migrations/), applied by storage's runner. It lives above the
// capabilities so that storage never imports them.
import type { Db } from '../storage/db.js';
import { applyMigrations, type MigrationReport } from '../storage/migrate.js';
import { postgresMigrations } from './migrations/postgres.js';
import { sqliteMigrations } from './migrations/sqlite.js';

export type { MigrationReport } from '../storage/migrate.js';

/** Applies the dialect's history; safe at every start and from many processes at once. */
export async function migrate(db: Db): Promise<MigrationReport> {
  return applyMigrations(db, db.dialect === 'postgres' ? postgresMigrations : sqliteMigrations);
}
