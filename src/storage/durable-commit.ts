// A transaction that is on disk when it returns, whatever the connection's commit setting. On
// PostgreSQL a bulk import's connection may commit asynchronously (openDb's asyncCommit); a write
// that others act on must not be one a server crash can take back, and committing it durably
// flushes the WAL up to it, so every earlier commit of the import is durable by then too.
// SQLite's connection has one setting for all its commits (synchronous = NORMAL).
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { Db } from './db.js';

export async function durableCommit<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.kysely.transaction().execute(async (trx) => {
    if (db.dialect === 'postgres') await sql`SET LOCAL synchronous_commit = on`.execute(trx);
    return work(trx);
  });
}
