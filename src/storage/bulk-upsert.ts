// Wide multi-row upserts written straight to SQL text, for the import's hot inserts. Kysely's
// builder turns every value of every row into a node of an operation tree and compiles the tree
// back to text, statement after statement: for an import's 200-row inserts of 25–46 columns that
// was about a fifth of storing a batch (parsing the values, visiting and compiling them). Here the
// text is built once per table shape, and the values go to the driver in one piece.
//
// SQLite takes the rows as a VALUES list, one `?` per value. PostgreSQL takes them as one JSON
// array (`SELECT … FROM json_to_recordset($1::json) AS r(k text, n bigint, …)`). A VALUES list of
// 200 rows × 48 columns was a 9,600-parameter statement of about 60–70 KB, sent and parsed and
// planned on every call; one array per column (`unnest($1::bigint[], …)`) cut the server's CPU
// for the benchmark import from 5.2–5.8 s to 4.5–4.6 s (2026-12-05), but node-postgres writes
// array literals in JavaScript, value by value. V8's JSON.stringify is native: 100 upserts of 200
// rows × 49 columns took the client 454–497 ms of CPU against 810–895 ms with arrays, the
// server's backend 560–670 against 540–620 ms, alternated four times (2026-12-06). The
// definition list needs each column's type, read once per database handle from the catalogue.
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
  /**
   * PostgreSQL only: each row handed back also says whether this statement inserted it
   * (`inserted: true`) rather than updating a row already there. A lookup before the upsert cannot
   * say so when another transaction inserts the same key in between (two imports of one lot at
   * once); the row's `xmax` is 0 only on a version no transaction has updated or locked, which an
   * `ON CONFLICT … DO UPDATE` always does. SQLite is not asked: its writers take turns whole
   * transactions at a time, so a lookup inside the transaction is exact.
   */
  returnInserted?: boolean;
}

type Executor = Pick<Kysely<never>, 'executeQuery'>;

/**
 * Rows an import writes per statement. SQLite binds every value: 200 rows of the widest table
 * (opportunities, 49 columns) stay under its 32,766 bound parameters. PostgreSQL takes the rows as
 * one JSON parameter whatever their count, so a transaction's rows (an import's batch) go in one
 * statement: one round trip, and on the opportunities one change number (opportunities/versions.ts),
 * whose lock the batch then holds for one statement's time. At most 1,000 even there: the VALUES
 * form, which a row JSON cannot carry falls back to, then binds 49,000 of its 65,535 parameters.
 */
export const upsertRowsPerStatement = (dialect: Db['dialect']): number => (dialect === 'sqlite' ? 200 : 1000);

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

// Shapes are few (a handful of tables), but on SQLite each row count from 1 to a chunk's size is
// its own text, up to ~30 KB for 200 opportunities: kept most recently used first, within 1 MB of
// SQL, so a serving process that re-prices odd-sized chunks for days holds no more than that.
const statements = new LRUCache<string, string>({ max: 256, maxSize: 1 << 20, sizeCalculation: (text) => text.length });

function conflictClause(shape: UpsertShape, columns: readonly string[], dialect: 'sqlite' | 'postgres'): string {
  const keep = new Set([...shape.conflict, ...(shape.keep ?? [])]);
  const updated = columns.filter((c) => !keep.has(c));
  const onConflict = updated.length ? `DO UPDATE SET ${updated.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}` : 'DO NOTHING';
  const returned = (shape.returning ?? []).map(quote);
  if (shape.returnInserted && dialect === 'postgres') returned.push('(xmax = 0) AS "inserted"');
  return (
    `ON CONFLICT (${shape.conflict.map(quote).join(', ')}) ${onConflict}` + (returned.length ? ` RETURNING ${returned.join(', ')}` : '')
  );
}

function shapeKey(kind: string, shape: UpsertShape, columns: readonly string[], extra: string): string {
  return `${kind}\u0000${shape.table}\u0000${columns.join(',')}\u0000${shape.conflict.join(',')}\u0000${(shape.keep ?? []).join(',')}\u0000${(shape.returning ?? []).join(',')}\u0000${shape.returnInserted ? 1 : 0}\u0000${extra}`;
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
  text = `INSERT INTO ${quote(shape.table)} (${columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')} ${conflictClause(shape, columns, placeholder)}`;
  statements.set(key, text);
  return text;
}

// JSON has no json or jsonb of its own to hand such a column: its values arrive as text (what
// the caller wrote, as the VALUES form sends it) and are cast.
const JSON_TYPES = new Set(['json', 'jsonb']);

/** `INSERT … SELECT … FROM json_to_recordset($1::json) AS r(…)`: one parameter whatever the row count. */
function recordsetStatement(shape: UpsertShape, columns: readonly string[], types: ReadonlyMap<string, string>): string {
  const key = shapeKey('recordset', shape, columns, columns.map((c) => types.get(c)).join(','));
  let text = statements.get(key);
  if (text !== undefined) return text;
  const definitions: string[] = [];
  const selected: string[] = [];
  for (const c of columns) {
    const type = types.get(c)!;
    const json = JSON_TYPES.has(type);
    definitions.push(`${quote(c)} ${json ? 'text' : type}`);
    selected.push(json ? `r.${quote(c)}::${type}` : `r.${quote(c)}`);
  }
  text =
    `INSERT INTO ${quote(shape.table)} (${columns.map(quote).join(', ')}) ` +
    `SELECT ${selected.join(', ')} FROM json_to_recordset($1::json) AS r(${definitions.join(', ')}) ${conflictClause(shape, columns, 'postgres')}`;
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
 * Each column's type for the definition list, or null when a column is one the catalogue does not
 * know: the VALUES form then lets PostgreSQL's own error name it. (An array value is not
 * JSON-safe, so a row holding one takes the VALUES form whatever its column's type.)
 */
async function recordTypes(db: object, executor: Executor, table: string, columns: readonly string[]): Promise<Map<string, string> | null> {
  let tables = columnTypes.get(db);
  if (tables === undefined) columnTypes.set(db, (tables = new Map<string, Map<string, string>>()));
  let types = tables.get(table);
  if (types === undefined || columns.some((c) => !types!.has(c))) {
    types = await readColumnTypes(executor, table);
    tables.set(table, types);
  }
  return columns.every((c) => types!.has(c)) ? types : null;
}

interface ValueReaders {
  /** Every row's values, row after row: a VALUES list's parameters. */
  byRow(rows: ReadonlyArray<object>): unknown[];
  /**
   * Whether JSON carries every value as node-postgres would bind it: text, a finite number, a
   * boolean, or nothing. Anything else (a Date, a Buffer, an object, NaN) takes the VALUES form,
   * where the driver converts it as it always has; JSON would turn NaN into null without a word.
   */
  jsonSafe(rows: ReadonlyArray<object>): boolean;
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
  const jsonSafe = new Function(
    'rows',
    `for (let r = 0; r < rows.length; r++) { const row = rows[r]; let v;
       ${reads.map((read) => `v = ${read}; if (v !== null && typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) return false;`).join(' ')}
     }
     return true;`,
  ) as ValueReaders['jsonSafe'];
  /* eslint-enable @typescript-eslint/no-implied-eval */
  found = { byRow, jsonSafe };
  valueReaders.set(key, found);
  return found;
}

/**
 * Inserts `rows` into `shape.table` in one statement, updating the rows they collide with. The
 * columns are the first row's own keys, in its order, and every row gives them; a value left
 * undefined is bound as NULL, what the nullable columns these tables default to (a NOT NULL column
 * then fails by name in the database). On SQLite the caller keeps each statement within its
 * bound-parameter limit (32,766); PostgreSQL takes the rows as one JSON parameter.
 */
export async function bulkUpsert<Out = never>(
  executor: Executor,
  db: Pick<Db, 'dialect'>,
  shape: UpsertShape,
  rows: ReadonlyArray<object>,
): Promise<Out[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const types = db.dialect === 'postgres' ? await recordTypes(db, executor, shape.table, columns) : null;
  const read = readers(columns);
  let query: CompiledQuery;
  if (types !== null && read.jsonSafe(rows)) {
    // Keys a row has beyond the columns are not in the definition list, so they are not written.
    query = CompiledQuery.raw(recordsetStatement(shape, columns, types), [JSON.stringify(rows)]);
  } else {
    query = CompiledQuery.raw(valuesStatement(db.dialect, shape, columns, rows.length), read.byRow(rows));
  }
  const result = await executor.executeQuery<Out>(query);
  return result.rows as Out[];
}
