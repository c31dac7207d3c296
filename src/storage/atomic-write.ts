// A write that must land whole, with as few round trips as that takes.
//
// On PostgreSQL a single statement is atomic on its own, and a transaction's BEGIN and COMMIT
// around it are two more round trips, each waking the server: an import batch wrapped three such
// writes so (its provenance rows, its flag links, its quarantine releases), six of its 37 queries.
// Reads beside the writes lose nothing outside a transaction either: at READ COMMITTED each
// statement of a transaction sees its own snapshot anyway.
//
// On SQLite the transaction stays whatever its size. It takes the write lock before its first
// read (sqlite-dialect.ts), and on an import's connection it joins the write group, whose failure
// must keep every later write of the group from committing on its own; it costs no round trip.
import type { Kysely } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

/**
 * Runs `work` in a transaction, or on PostgreSQL without one when it writes with at most one
 * statement (`writes`, the most statements that write it can run).
 */
export async function atomicWrite<T>(db: Db, writes: number, work: (k: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.dialect === 'postgres' && writes <= 1) return work(db.kysely);
  return db.kysely.transaction().execute(work);
}
