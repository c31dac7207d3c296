// Kysely's SQLite dialect with one change: a transaction takes the write lock when it begins.
//
// Kysely begins SQLite transactions with a plain `BEGIN`, which takes no lock until the first
// write. Every transaction here writes, and most read first (an import looks up the stored lots,
// then upserts them). Between that read and the first write, another process may commit: the
// transaction's snapshot is then stale, and SQLite refuses the write at once with SQLITE_BUSY or
// SQLITE_BUSY_SNAPSHOT instead of waiting out the busy timeout, since waiting could not make the
// snapshot current. Two `dealerscope ingest` runs of 5,000 listings into one file failed that way
// in 11 runs of 12, with "database is locked"; a serving process that sweeps, scrapes or saves a
// dealer's settings beside an import writes the same way. `BEGIN IMMEDIATE` waits for the write lock (up to the connection's busy timeout)
// before it reads anything, so the snapshot it reads is the one it writes on.
//
// The cost is that a transaction excludes other writers from its first statement, not from its
// first write. Nothing here runs a read-only transaction (a single SELECT is its own snapshot);
// one that did would queue behind writers and should not use `transaction()` on SQLite.
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

class WriteLockingSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class WriteLockingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new WriteLockingSqliteDriver(this.#config);
  }
}
