// The database as a whole: the one migration history per dialect that lists every capability's
// migrations (src/schema/migrations/history.ts), applied by storage's runner. It lives above the
// capabilities so that storage never imports them.
import { applyMigrations, type Db, type MigrationReport } from '../storage/index.js';
import { migrationHistory } from './migrations/history.js';

export type { MigrationReport } from '../storage/index.js';

/** Applies the dialect's history; safe at every start and from many processes at once. */
export async function migrate(db: Db): Promise<MigrationReport> {
  return applyMigrations(db, migrationHistory(db.dialect));
}
