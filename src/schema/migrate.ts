// The database as a whole: the one migration history per dialect that lists every capability's
// migrations (src/schema/migrations/history.ts), applied by storage's runner. It lives above the
// capabilities so that storage never imports them.
import type { Db } from '../storage/db.js';
import { applyMigrations, type MigrationReport } from '../storage/migrate.js';
import { migrationHistory } from './migrations/history.js';

export type { MigrationReport } from '../storage/migrate.js';

/** Applies the dialect's history; safe at every start and from many processes at once. */
export async function migrate(db: Db): Promise<MigrationReport> {
  return applyMigrations(db, migrationHistory(db.dialect));
}
