// A private scratch database for a batch job's working state: what grows with the size of a file
// (every lot a feed names, every peer an anomaly check compares with) lives on disk instead of in
// the JavaScript heap, so a job's memory is bounded by its batch and this page cache, not by the
// file. SQLite keeps a database opened on the empty name in a temporary file of its own, deleted
// when the connection closes or the process dies; nothing of it is durable or shared.
import type BetterSqlite3 from 'better-sqlite3';
import { loadSqlite } from './db.js';

/** Page cache a scratch database keeps in memory; the rest stays in the OS's file cache. */
export const SCRATCH_CACHE_KIB = 2048;

export type ScratchDatabase = BetterSqlite3.Database;

export function openScratchDatabase(cacheKib = SCRATCH_CACHE_KIB): ScratchDatabase {
  const Sqlite = loadSqlite();
  const db = new Sqlite('');
  // Scratch state is rebuilt by running the job again: no journal, no syncs.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('temp_store = FILE');
  db.pragma(`cache_size = -${cacheKib}`);
  return db;
}
