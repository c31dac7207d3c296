// One database session for a one-shot command: open DATABASE_URL, migrate, run, always close.
import { loadConfig } from '../config/index.js';
import { openDb, type Db, type OpenDbOptions } from '../storage/index.js';
import { migrate } from '../schema/migrate.js';

export async function withDb<T>(fn: (db: Db) => Promise<T>, opts: OpenDbOptions = {}): Promise<T> {
  const db = openDb(loadConfig().databaseUrl, opts);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}
