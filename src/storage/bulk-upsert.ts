// Wide multi-row upserts written straight to SQL text, for the import's hot inserts. Kysely's
// builder turns every value of every row into a node of an operation tree and compiles the tree
// back to text, statement after statement: for an import's 200-row inserts of 25–46 columns that
// was about a fifth of storing a batch (parsing the values, visiting and compiling them). Here the
// text is built once per table shape, and the values go to the driver as flat lists.
//
// SQLite takes the rows as a VALUES list, one `?` per value. PostgreSQL takes one array per column
// (`SELECT * FROM unnest($1::bigint[], $2::text[], …)`): a VALUES list of 200 rows × 48 columns
// was a 9,600-parameter statement of about 60–70 KB, sent and parsed and planned on every call
// (an unnamed statement is never kept; named ones cost the server memory per connection). On the
// benchmark's 20,000-listing import, alternated pair by pair with the VALUES form (2026-12-05):
// the server's CPU 4.5–4.6 s against 5.2–5.8 s, the import 9.9, 10.2 and 13.6 s against 10.1,
// 11.0 and 15.9 s (the last pair on a busy machine). The casts need each column's type, read
// once per database handle from the catalogue.
import { CompiledQuery, type Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Db } from './db.js';

export interface UpsertShape {
  table: string;
  /** The unique columns a new row collides on. */
  conflict: readonly string[];
  /** Columns an existing row keeps as they are (every other column takes the new row's value). */
  keep?: readonly string[];
  /** Columns of the stored rows to hand back (`RETURNING`). */
  returning?: readonly string[];
}

type Executor = Pick<Kysely<never>, 'executeQuery'>;

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

// Shapes are few (a handful of tables), but on SQLite each row count from 1 to a chunk's size is
// its own text, up to ~30 KB for 200 opportunities: kept most recently used first, within 1 MB of
// SQL, so a serving process that re-prices odd-sized chunks for days holds no more than that.
const statements = new LRUCache<string, string>({ max: 256, maxSize: 1 << 20, sizeCalculation: (text) => text.length });

function conflictClause(shape: UpsertShape, columns: readonly string[]): string {
  const keep = new Set([...shape.conflict, ...(shape.keep ?? [])]);
  const updated = columns.filter((c) => !keep.has(c));
  const onConflict = updated.length ? `DO UPDATE SET ${updated.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}` : 'DO NOTHING';
  return (
    `ON CONFLICT (${shape.conflict.map(quote).join(', ')}) ${onConflict}` +
    (shape.returning?.length ? ` RETURNING ${shape.returning.map(quote).join(', ')}` : '')
  );
}

function shapeKey(kind: string, shape: UpsertShape, columns: readonly string[], extra: string): string {
  return `${kind}\u0000${shape.table}\u0000${columns.join(',')}\u0000${shape.conflict.join(',')}\u0000${(shape.keep ?? []).join(',')}\u0000${(shape.returning ?? []).join(',')}\u0000${extra}`;
}

/** `INSERT … VALUES (?, ?, …), …`: one placeholder per value (SQLite's form, and PostgreSQL's fallback). */
function valuesStatement(placeholder: 'sqlite' | 'postgres', shape: UpsertShape, columns: readonly string[], rows: number): string {
  const key = shapeKey(placeholder, shape, columns, String(rows));
  let text = statements.get(key);
  if (text !== undefined) return text;
  const tuples: string[] = new Array<string>(rows);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const marks: string[] = new Array<string>(columns.length);
    for (let c = 0; c < columns.length; c++) marks[c] = placeholder === 'postgres' ? `$${++n}` : '?';
    tuples[r] = `(${marks.join(', ')})`;
  }
  text = `INSERT INTO ${quote(shape.table)} (${columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')} ${conflictClause(shape, columns)}`;
  statements.set(key, text);
  return text;
}

/** `INSERT … SELECT * FROM unnest($1::type[], …)`: one array parameter per column, whatever the row count. */
function arraysStatement(shape: UpsertShape, columns: readonly string[], types: ReadonlyMap<string, string>): string {
  const key = shapeKey('unnest', shape, columns, columns.map((c) => types.get(c)).join(','));
  let text = statements.get(key);
  if (text !== undefined) return text;
  const arrays = columns.map((c, i) => `$${i + 1}::${types.get(c)}[]`).join(', ');
  text = `INSERT INTO ${quote(shape.table)} (${columns.map(quote).join(', ')}) SELECT * FROM unnest(${arrays}) ${conflictClause(shape, columns)}`;
  statements.set(key, text);
  return text;
}

// Column types per database handle and table, as the catalogue names them (`bigint`,
// `double precision`, `character varying(20)`). Read again when a column is missing from what was
// read, so a migration run by the same process is seen.
const columnTypes = new WeakMap<object, Map<string, Map<string, string>>>();

async function readColumnTypes(executor: Executor, table: string): Promise<Map<string, string>> {
  const result = await executor.executeQuery<{ name: string; type: string }>(
    CompiledQuery.raw(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a ` +
        `WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [quote(table)],
    ),
  );
  return new Map(result.rows.map((r) => [r.name, r.type]));
}

/**
 * The types to cast each column's array to, or null when the table cannot take arrays: a column
 * the catalogue does not know (PostgreSQL's own error for it is clearer), or an array-typed
 * column (unnest would flatten a two-dimensional array into single elements).
 */
async function arrayTypes(db: object, executor: Executor, table: string, columns: readonly string[]): Promise<Map<string, string> | null> {
  let tables = columnTypes.get(db);
  if (tables === undefined) columnTypes.set(db, (tables = new Map<string, Map<string, string>>()));
  let types = tables.get(table);
  if (types === undefined || columns.some((c) => !types!.has(c))) {
    types = await readColumnTypes(executor, table);
    tables.set(table, types);
  }
  for (const c of columns) {
    const type = types.get(c);
    if (type === undefined || type.endsWith(']')) return null;
  }
  return types;
}

interface ValueReaders {
  /** Every row's values, row after row: a VALUES list's parameters. */
  byRow(rows: ReadonlyArray<object>): unknown[];
  /** One array per column, each with every row's value: unnest's parameters. */
  byColumn(rows: ReadonlyArray<object>): unknown[][];
}

// Reading `row[column]` with the column in a variable, for rows of every table the imports write,
// was a keyed load that saw a new hidden class with each table: V8 dropped the function's
// optimised code and rebuilt it 17 times in one 20,000-listing import (68 "wrong map"
// deoptimisations). A reader compiled per column list names its columns, so each table's rows go
// through code that only ever sees that table's shape.
const valueReaders = new LRUCache<string, ValueReaders>({ max: 64 });

function readers(columns: readonly string[]): ValueReaders {
  const key = columns.join('\u0000');
  let found = valueReaders.get(key);
  if (found !== undefined) return found;
  // JSON quoting makes any column name a plain property key; the names are the rows' own keys.
  const reads = columns.map((c) => `row[${JSON.stringify(c)}] ?? null`);
  /* eslint-disable @typescript-eslint/no-implied-eval -- one compiled reader per column list is the point (see above) */
  const byRow = new Function(
    'rows',
    `const out = new Array(rows.length * ${columns.length}); let i = 0;
     for (let r = 0; r < rows.length; r++) { const row = rows[r]; ${reads.map((read) => `out[i++] = ${read};`).join(' ')} }
     return out;`,
  ) as ValueReaders['byRow'];
  const byColumn = new Function(
    'rows',
    `const n = rows.length; ${columns.map((_, c) => `const c${c} = new Array(n);`).join(' ')}
     for (let r = 0; r < n; r++) { const row = rows[r]; ${reads.map((read, c) => `c${c}[r] = ${read};`).join(' ')} }
     return [${columns.map((_, c) => `c${c}`).join(', ')}];`,
  ) as ValueReaders['byColumn'];
  /* eslint-enable @typescript-eslint/no-implied-eval */
  found = { byRow, byColumn };
  valueReaders.set(key, found);
  return found;
}

/**
 * Inserts `rows` into `shape.table` in one statement, updating the rows they collide with. The
 * columns are the first row's own keys, in its order, and every row gives them; a value left
 * undefined is bound as NULL, what the nullable columns these tables default to (a NOT NULL column
 * then fails by name in the database). On SQLite the caller keeps each statement within its
 * bound-parameter limit (32,766); PostgreSQL takes one parameter per column.
 */
export async function bulkUpsert<Out = never>(
  executor: Executor,
  db: Pick<Db, 'dialect'>,
  shape: UpsertShape,
  rows: ReadonlyArray<object>,
): Promise<Out[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const types = db.dialect === 'postgres' ? await arrayTypes(db, executor, shape.table, columns) : null;
  let query: CompiledQuery;
  if (types !== null) {
    query = CompiledQuery.raw(arraysStatement(shape, columns, types), readers(columns).byColumn(rows));
  } else {
    query = CompiledQuery.raw(valuesStatement(db.dialect, shape, columns, rows.length), readers(columns).byRow(rows));
  }
  const result = await executor.executeQuery<Out>(query);
  return result.rows as Out[];
}
