// PostgreSQL plans a query from each table's statistics, which autovacuum refreshes in the
// background: at most once a minute per database, and only once a tenth of a table has changed
// since it was last analyzed. An import started soon after another (a backfill of several files,
// the benchmark's second file) therefore planned against what the tables held before the last one.
// With no statistics on `listings.source` the planner took `source = $1` for 0.5 % of the rows and
// looked a batch's lots up by the source alone, filtering every listing of that source against
// the lots (2.5 ms a lookup against 1.4 ms on a store of 20,000, four lookups per source and
// batch). `analyzeStale` analyzes a table that has grown past autovacuum's scale factor since it
// was last analyzed, and only the columns asked for: a whole-table ANALYZE of 20,000 listings took
// 384 ms and of their opportunities 856 ms, three columns of the listings 56 ms. Growth is read
// from the table's size now against the pages its last ANALYZE or VACUUM saw (`pg_class.relpages`),
// not from the statistics collector's change counts: a pooled connection reports those only when
// it flushes, a second or more after its commit, so an import just finished in the same process
// was not seen. A column list leaves the table's change count as it was, so autovacuum still
// analyzes the whole table in its turn. SQLite keeps no statistics unless asked, and its planner
// prefers a unique index's equality without them, so it is not asked.
import { sql } from 'kysely';
import type { Db } from './db.js';

/** A table, and the columns whose statistics a caller's queries are planned by. */
export interface StatisticsTarget {
  table: string;
  columns: readonly string[];
}

interface StaleRow {
  relname: string;
}

/** Pages a table must grow by beyond the scale factor, so that a small table is not analyzed again and again. */
const MIN_GROWTH_PAGES = 8;

/**
 * Analyzes the targets' columns where the table (this schema's, by name) has grown past
 * autovacuum's analyze scale factor since its last analysis; answers the tables analyzed, in the
 * order given. Empty on SQLite. PostgreSQL skips, with a warning, tables this role may not analyze.
 */
export async function analyzeStale(db: Db, targets: readonly StatisticsTarget[]): Promise<string[]> {
  if (db.dialect !== 'postgres' || targets.length === 0) return [];
  const stale = await sql<StaleRow>`
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname IN (${sql.join(targets.map((t) => t.table))})
      AND pg_relation_size(c.oid) / current_setting('block_size')::float8
        > greatest(c.relpages, 0) * (1 + current_setting('autovacuum_analyze_scale_factor')::float8) + ${MIN_GROWTH_PAGES}`.execute(
    db.kysely,
  );
  const names = new Set(stale.rows.map((r) => r.relname));
  const due = targets.filter((t) => names.has(t.table));
  if (due.length === 0) return [];
  const list = due.map((t) => sql`${sql.id(t.table)} (${sql.join(t.columns.map((c) => sql.id(c)))})`);
  await sql`ANALYZE ${sql.join(list)}`.execute(db.kysely);
  return due.map((t) => t.table);
}
