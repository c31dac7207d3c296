// Kysely's SQLite dialect with two changes: a transaction takes the write lock when it begins, and
// a bulk import's connection can join a stretch of transactions into one (write groups).
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

/**
 * A stretch of transactions committed as one SQLite transaction, for a connection a bulk import
 * uses alone. Each commit writes every page its transaction dirtied to the WAL, and an import's
 * opportunities touch most leaf pages of 24 ranking indexes per 1,000 rows: into a store of
 * 120,000 listings the commits were a fifth of the import. Joined, a page changed by several
 * batches is written once per group.
 *
 * While a group is open, the connection's transactions begin the group's SQLite transaction (the
 * first one) or continue it, and their commits wait for the group's. One that fails rolls the
 * whole group back (SQLite could undo it alone only with a savepoint, whose journal of page copies
 * cost the import about 70 MB more RSS): the transactions after it in the same group then fail at
 * once, and so does `commit()`, so nothing of a broken group is ever committed, even when a caller
 * caught the first failure. A statement outside `transaction()` runs on its own, as it always does.
 */
export interface WriteGroups {
  /** Transactions from now on join one SQLite transaction, begun by the first of them. */
  open(): void;
  /** Commits the group's transactions; rejects, with nothing committed, if one of them failed. */
  commit(): Promise<void>;
  /** Rolls the group's transactions back (nothing to do if none began, or one failed). */
  rollback(): Promise<void>;
}

/** Runs a statement: a Kysely handle bound to the one connection. */
type StatementRunner = { executeQuery(query: CompiledQuery): Promise<unknown> };

class GroupState {
  open = false;
  /** The group's SQLite transaction has begun and is neither committed nor rolled back. */
  begun = false;
  failed = false;
  /** The transaction in progress on the connection joined the group (it did not begin its own). */
  joined = false;
}

class WriteLockingSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly group: GroupState | null,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const g = this.group;
    if (g === null || !g.open) {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      return;
    }
    if (g.failed) throw new Error('an earlier transaction of this write group failed, and the group was rolled back');
    if (!g.begun) {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      g.begun = true;
    }
    g.joined = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.group?.joined) {
      this.group.joined = false;
      return;
    }
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const g = this.group;
    if (g?.joined) {
      g.joined = false;
      g.failed = true;
      if (!g.begun) return;
      g.begun = false;
    }
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
}

export class WriteLockingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #group: GroupState | null;

  /** With `groups`, the connection's transactions can be joined (`writeGroups`). */
  constructor(config: SqliteDialectConfig, groups = false) {
    super(config);
    this.#config = config;
    this.#group = groups ? new GroupState() : null;
  }

  override createDriver(): Driver {
    return new WriteLockingSqliteDriver(this.#config, this.#group);
  }

  /**
   * The connection's write groups, or null when the dialect was made without them. `withConnection`
   * runs its callback holding the connection (Kysely's `connection()`), so a group is committed or
   * rolled back only once the transaction in progress, if any, has finished, and with its outcome
   * known.
   */
  writeGroups(withConnection: (work: (connection: StatementRunner) => Promise<void>) => Promise<void>): WriteGroups | null {
    const g = this.#group;
    if (g === null) return null;
    const end = (statement: 'commit' | 'rollback') =>
      withConnection(async (connection) => {
        const { begun, failed } = g;
        g.open = false;
        g.begun = false;
        g.failed = false;
        if (begun) {
          try {
            await connection.executeQuery(CompiledQuery.raw(statement));
          } catch (err) {
            // A commit SQLite refused leaves its transaction open, for `rollback()` to end.
            if (statement === 'commit') g.begun = true;
            throw err;
          }
        }
        if (failed && statement === 'commit')
          throw new Error('a transaction of this write group failed, so the group was rolled back and nothing of it committed');
      });
    return {
      open() {
        if (g.open || g.begun) throw new Error('a write group is already open on this connection');
        g.open = true;
      },
      commit: () => end('commit'),
      rollback: () => end('rollback'),
    };
  }
}
