// Result rows for Kysely's SQLite driver, built in JavaScript from better-sqlite3's raw arrays.
//
// better-sqlite3 builds each object row through V8's C++ API, one named property at a time. For a
// page of opportunities (51 rows × 42 columns) that was half the query: 0.58 ms per page against
// 0.31 ms for the raw arrays plus an object literal of fixed shape per row, measured side by side
// on the benchmark's 100 k rows. Cache misses for list pages run that query on the event loop, so
// it is time every other request waits.
import type BetterSqlite3 from 'better-sqlite3';
import { LRUCache } from 'lru-cache';

/** What Kysely's SQLite driver calls on a prepared statement. */
export interface DriverStatement {
  readonly reader: boolean;
  all(parameters: readonly unknown[]): unknown[];
  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(parameters: readonly unknown[]): IterableIterator<unknown>;
}

type RowBuilder = (values: unknown[]) => Record<string, unknown>;

/**
 * `(values) => ({ "col0": values[0], … })`: one literal, so every row of a statement shares one
 * hidden class. Later columns of the same name win, as in better-sqlite3's own objects.
 */
function compileRowBuilder(names: readonly string[]): RowBuilder {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ');
  // Names come from the statement's own result columns; JSON quoting makes any of them a plain key.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a compiled row builder is the point: one object literal per statement shape
  return new Function('v', `return { ${fields} };`) as RowBuilder;
}

// Builders by column list. An import's lookups are IN lists of every length from 1 to a few
// hundred, each its own statement with the same columns: a builder per statement was a fresh
// function for V8 to optimise for each of them.
const builders = new LRUCache<string, RowBuilder>({ max: 256 });

function rowBuilder(names: readonly string[]): RowBuilder {
  const key = names.join('\u0000');
  let build = builders.get(key);
  if (build === undefined) builders.set(key, (build = compileRowBuilder(names)));
  return build;
}

/**
 * Wraps a reader statement to return the rows better-sqlite3 would, built from raw arrays.
 * Statements that write, and the rare result with a `__proto__` column (a literal would set the
 * prototype rather than a property), are returned as they are.
 */
export function driverStatement(stmt: BetterSqlite3.Statement): DriverStatement {
  if (!stmt.reader) return stmt;
  const names = stmt.columns().map((c) => c.name);
  if (names.includes('__proto__')) return stmt;
  const build = rowBuilder(names);
  stmt.raw(true);
  return {
    reader: true,
    all(parameters) {
      const rows = stmt.all(parameters) as unknown[][];
      const out: unknown[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = build(rows[i]);
      return out;
    },
    run: (parameters) => stmt.run(parameters),
    *iterate(parameters) {
      for (const values of stmt.iterate(parameters) as IterableIterator<unknown[]>) yield build(values);
    },
  };
}
