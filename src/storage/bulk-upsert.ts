// Wide multi-row upserts written straight to SQL text, for the import's hot inserts. Kysely's
// builder turns every value of every row into a node of an operation tree and compiles the tree
// back to text, statement after statement: for an import's 200-row inserts of 25–46 columns that
// was about a fifth of storing a batch (parsing the values, visiting and compiling them). Here the
// text is built once per table shape and row count, and the values go to the driver as one flat
// list, exactly as Kysely would have bound them.
import { CompiledQuery, type Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Dialect } from './db.js';

export interface UpsertShape {
  table: string;
  /** The unique columns a new row collides on. */
  conflict: readonly string[];
  /** Columns an existing row keeps as they are (every other column takes the new row's value). */
  keep?: readonly string[];
  /** Columns of the stored rows to hand back (`RETURNING`). */
  returning?: readonly string[];
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

// Shapes are few (a handful of tables) but each row count from 1 to a chunk's size is its own text,
// up to ~30 KB for 200 opportunities: kept most recently used first, within 1 MB of SQL, so a
// serving process that re-prices odd-sized chunks for days holds no more than that.
const statements = new LRUCache<string, string>({ max: 256, maxSize: 1 << 20, sizeCalculation: (text) => text.length });

function statementFor(dialect: Dialect, shape: UpsertShape, columns: readonly string[], rows: number): string {
  const key = `${dialect}\u0000${shape.table}\u0000${columns.join(',')}\u0000${shape.conflict.join(',')}\u0000${(shape.keep ?? []).join(',')}\u0000${(shape.returning ?? []).join(',')}\u0000${rows}`;
  let text = statements.get(key);
  if (text !== undefined) return text;
  const tuples: string[] = new Array<string>(rows);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const marks: string[] = new Array<string>(columns.length);
    for (let c = 0; c < columns.length; c++) marks[c] = dialect === 'postgres' ? `$${++n}` : '?';
    tuples[r] = `(${marks.join(', ')})`;
  }
  const keep = new Set([...shape.conflict, ...(shape.keep ?? [])]);
  const updated = columns.filter((c) => !keep.has(c));
  const onConflict = updated.length ? `DO UPDATE SET ${updated.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}` : 'DO NOTHING';
  text =
    `INSERT INTO ${quote(shape.table)} (${columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')} ` +
    `ON CONFLICT (${shape.conflict.map(quote).join(', ')}) ${onConflict}` +
    (shape.returning?.length ? ` RETURNING ${shape.returning.map(quote).join(', ')}` : '');
  statements.set(key, text);
  return text;
}

/**
 * Inserts `rows` into `shape.table` in one statement, updating the rows they collide with. The
 * columns are the first row's own keys, in its order, and every row gives them; a value left
 * undefined is bound as NULL, what the nullable columns these tables default to (a NOT NULL column
 * then fails by name in the database). The caller keeps each statement within its database's
 * bound-parameter limit (SQLite 32,766, PostgreSQL 65,535).
 */
export async function bulkUpsert<Out = never>(
  executor: Pick<Kysely<never>, 'executeQuery'>,
  dialect: Dialect,
  shape: UpsertShape,
  rows: ReadonlyArray<object>,
): Promise<Out[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const params: unknown[] = new Array<unknown>(rows.length * columns.length);
  let i = 0;
  for (const row of rows) {
    const values = row as Record<string, unknown>;
    for (const c of columns) {
      params[i++] = values[c] ?? null;
    }
  }
  const result = await executor.executeQuery<Out>(CompiledQuery.raw(statementFor(dialect, shape, columns, rows.length), params));
  return result.rows as Out[];
}
