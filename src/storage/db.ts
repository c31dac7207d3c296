// One typed query layer (Kysely) over the embedded SQLite default and PostgreSQL.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Database } from './schema.js';
import { WriteLockingSqliteDialect, type WriteGroups } from './sqlite-dialect.js';
import { driverStatement, type DriverStatement } from './sqlite-rows.js';

// Each process loads only the driver it uses: every megabyte of RSS counts against the phase-1 gate.
const require = createRequire(import.meta.url);
const loadPg = (): typeof pg => require('pg') as typeof pg;
export const loadSqlite = (): typeof BetterSqlite3 => require('better-sqlite3') as typeof BetterSqlite3;

// Prepared SQLite statements kept per connection (distinct query shapes the API asks), bounded by
// count and by the length of their SQL. A statement's native memory grows with its bound values:
// an import's 200-row inserts and its IN lists of every length from 1 to 300 are hundreds of
// shapes of up to 9,400 values, and 256 of them held ~30 MB outside the heap (a 200,000-row
// import peaked at 213 MB; 185 MB with 16 statements kept).
const STATEMENT_CACHE_SIZE = 256;
export const STATEMENT_CACHE_SQL_CHARS = 256 * 1024;

/** Prepared statements by SQL text, bounded in count and in characters of SQL. */
export function statementCache<S extends object>(): LRUCache<string, S> {
  return new LRUCache<string, S>({
    max: STATEMENT_CACHE_SIZE,
    maxSize: STATEMENT_CACHE_SQL_CHARS,
    sizeCalculation: (_stmt, text) => text.length,
  });
}

export type Dialect = 'sqlite' | 'postgres';

export interface DbStats {
  /** Queries sent to the database by this process; the benchmark's stampede check reads it. */
  queries: number;
}

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  url: string;
  stats: DbStats;
  /** Cheap round trip used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** SQLite opened with `writeGroups: true` only: transactions joined into one (sqlite-dialect.ts). */
  writeGroups?: WriteGroups;
}

export interface OpenDbOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * SQLite only: keep the connection's temporary files in memory (`temp_store = MEMORY`). For a
   * bulk import: each multi-row upsert inside a transaction keeps an undo copy of every page it
   * changes (a statement journal), and on disk that was 451 MB in 224,000 writes for a
   * 20,000-listing import. A serving process keeps them on disk, where a large unindexed sort may
   * also spill, so such a sort cannot grow its memory.
   */
  memoryTempFiles?: boolean;
  /**
   * SQLite only: WAL pages after which a commit checkpoints (SQLite's default 1,000). Each
   * checkpoint syncs the WAL and the database file, two fsyncs that took about 8 ms each on the
   * machine measured, and a bulk import crossed 1,000 pages about fifty times for 20,000
   * listings. A bigger WAL costs disk, not memory, and only widens the window of commits a power
   * loss can take back (synchronous = NORMAL never risks corruption). For a bulk import only.
   */
  walCheckpointPages?: number;
  /**
   * SQLite only: this connection's page cache, KiB (SQLITE_CACHE_KIB by default). A bulk import's
   * transactions dirty pages across all 24 of the opportunities table's indexes; with 4 MB SQLite
   * spilled dirty pages to the WAL before the commit and read evicted ones back, which for a
   * 20,000-listing file into a store of 20,000 was 233,000 `pread64` and 315,000 `pwrite64` calls.
   * At 16 MB it was 73,000 and 216,000. Memory the process may hold, so for a bulk import only.
   */
  pageCacheKib?: number;
  /**
   * PostgreSQL only: commits return before their WAL reaches disk (`synchronous_commit = off`),
   * as SQLite's `synchronous = NORMAL` already lets an import's commits. A server crash can then
   * take back the last moments of commits (about three WAL-writer rounds, 0.6 s at the default),
   * whole transactions only, never leaving the database inconsistent. A bulk import's batch
   * commits each waited for a WAL flush; writes that others act on — the data version replicas
   * key their caches by, the import's own record — still commit durably (`durableCommit`), which
   * also makes every commit before them durable, since the WAL is flushed in order. For a bulk
   * import only.
   */
  asyncCommit?: boolean;
  /**
   * SQLite only: the handle offers `writeGroups`, which join a stretch of transactions into one
   * SQLite transaction (`WriteGroups` in sqlite-dialect.ts). Only for a process that uses the
   * connection for one job alone: every transaction on it while a group is open joins the group,
   * whoever began it. For a bulk import only.
   */
  writeGroups?: boolean;
}

/** `sqlite:PATH`, a bare path, `:memory:`, or `postgres://…` / `postgresql://…`. */
export function parseDatabaseUrl(url: string): { dialect: Dialect; target: string } {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', target: url };
  // Anything else with a scheme (mysql://…, a mistyped postgress://…) would have become a SQLite
  // file named after the URL. Only the scheme is quoted: the rest may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== 'sqlite')
    throw new Error(`DATABASE_URL must be sqlite:PATH or postgres://…; "${scheme}:" is neither`);
  const target = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (!target) throw new Error(`DATABASE_URL "${url}" names no SQLite file`);
  return { dialect: 'sqlite', target };
}

// PostgreSQL returns BIGINT and NUMERIC as strings to protect precision; every such column here
// holds epoch milliseconds, cents or ids that fit comfortably in a double.
const pgTypes = (driver: typeof pg) => ({
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return driver.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
});

/** A sizing option, when given, is a whole number of at least 1 (a pragma would take anything). */
function requirePositiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new Error(`${name} must be a positive integer, got ${value}`);
}

/** SQLite's page cache per connection, KiB. */
export const SQLITE_CACHE_KIB = 4096;

export function openDb(url: string, opts: OpenDbOptions = {}): Db {
  const { dialect, target } = parseDatabaseUrl(url);
  const stats: DbStats = { queries: 0 };
  const log = (event: LogEvent) => {
    if (event.level === 'query') stats.queries++;
  };
  if (dialect === 'postgres') {
    const driver = loadPg();
    const pool = new driver.Pool({ connectionString: target, max: opts.poolSize ?? 10, types: pgTypes(driver) });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    // pg-pool only listens while a client is idle; a server shutdown that reaches a checked-out
    // client between queries would otherwise be an unhandled 'error' and end the process. The
    // query in progress still fails, and pg-pool discards the dead client on release.
    pool.on('connect', (client) => {
      client.on('error', () => {});
      // Set per session rather than as a startup option, which would replace the operator's own
      // (PGOPTIONS, or `options` in the URL). The client runs it before any query handed to it.
      if (opts.asyncCommit) client.query('SET synchronous_commit = off').catch(() => {});
    });
    return dbOver(new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log }), dialect, url, stats);
  }
  requirePositiveInteger('walCheckpointPages', opts.walCheckpointPages);
  requirePositiveInteger('pageCacheKib', opts.pageCacheKib);
  const cacheKib = opts.pageCacheKib ?? SQLITE_CACHE_KIB;
  if (target !== ':memory:') mkdirSync(dirname(target), { recursive: true });
  const Sqlite = loadSqlite();
  const database = new Sqlite(target);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection; the service's reads
  // (a few indexed pages each) and the quality monitor's walk of its recent rows filled it, which
  // was 16 MB of a replica's RSS. The file's pages stay in the OS cache either way.
  database.pragma(`cache_size = -${cacheKib}`);
  if (opts.memoryTempFiles) database.pragma('temp_store = MEMORY');
  if (opts.walCheckpointPages !== undefined) database.pragma(`wal_autocheckpoint = ${opts.walCheckpointPages}`);
  // Kysely's SQLite driver prepares every query afresh; the API asks the same few dozen shapes
  // again and again, and preparing was a tenth of a cache miss's CPU. Statements are reusable
  // because the driver runs one query at a time per connection.
  const statements = statementCache<DriverStatement>();
  const prepared = {
    prepare(text: string) {
      let stmt = statements.get(text);
      if (stmt === undefined) {
        stmt = driverStatement(database.prepare(text));
        statements.set(text, stmt);
      }
      return stmt;
    },
    close: () => {
      statements.clear();
      database.close();
    },
  };
  const sqliteDialect = new WriteLockingSqliteDialect({ database: prepared }, opts.writeGroups === true);
  const kysely = new Kysely<Database>({ dialect: sqliteDialect, log });
  const groups = sqliteDialect.writeGroups((work) => kysely.connection().execute(work));
  return { ...dbOver(kysely, dialect, url, stats), ...(groups ? { writeGroups: groups } : {}) };
}

function dbOver(kysely: Kysely<Database>, dialect: Dialect, url: string, stats: DbStats): Db {
  return {
    kysely,
    dialect,
    url,
    stats,
    ping: async () => {
      await sql`SELECT 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}

/** SQLite wants 0/1, PostgreSQL true/false. */
export function dbBool(db: Db, value: boolean): number | boolean {
  return db.dialect === 'sqlite' ? (value ? 1 : 0) : value;
}

// PostgreSQL SQLSTATE classes and driver errors that mean "the database is not answering",
// as opposed to a wrong query: connection exceptions (08…), admin shutdown / cannot connect now
// (57P01–57P03), too many connections (53300), and SQLite's busy/locked/IO failures.
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
]);

/** True when an error says the database is unreachable rather than that a query is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('SQLITE_IOERR')) return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    msg,
  );
}
