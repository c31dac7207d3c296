// Rows sent as a derived table, so a chunk of row-by-row updates is one `UPDATE … FROM` statement.
// Both databases name a VALUES list's columns column1, column2, …; an id compared with a BIGINT
// column is cast, since PostgreSQL types an unannotated parameter in VALUES as text, and text does
// not compare with BIGINT.
import { sql, type RawBuilder } from 'kysely';

/** `(VALUES (…), (…)) AS v`; `bigintColumns` are 0-based positions cast to BIGINT. */
export function valuesTable(rows: ReadonlyArray<readonly unknown[]>, bigintColumns: readonly number[] = []): RawBuilder<unknown> {
  const cast = new Set(bigintColumns);
  const row = (r: readonly unknown[]) => sql`(${sql.join(r.map((v, i) => (cast.has(i) ? sql`CAST(${v} AS BIGINT)` : sql`${v}`)))})`;
  return sql`(VALUES ${sql.join(rows.map(row))}) AS v`;
}
