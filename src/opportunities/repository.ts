// Storage access for opportunities: keyset and offset pages, totals and single reads, with the
// same typed queries on SQLite and PostgreSQL.
import type { SelectQueryBuilder } from 'kysely';
import { type Database, type Db, dbBool, type OpportunityRow, readKeyset } from '../storage/index.js';
import type { CursorPosition } from './cursor.js';
import type { ListFilters, Sort } from './list-query.js';

type SortColumn = 'created_at' | 'profit_cents' | 'roi_bp' | 'score' | 'auction_end_ms';
/** Sorts the database orders by a column; headroom is a difference, ordered by the workspace reads in memory. */
export type ColumnSort = Exclude<Sort, 'headroom'>;
export const SORT_COLUMNS: Record<ColumnSort, { column: SortColumn; dir: 'asc' | 'desc' }> = {
  newest: { column: 'created_at', dir: 'desc' },
  profit: { column: 'profit_cents', dir: 'desc' },
  roi: { column: 'roi_bp', dir: 'desc' },
  score: { column: 'score', dir: 'desc' },
  ending: { column: 'auction_end_ms', dir: 'asc' },
};

type OppQuery<O> = SelectQueryBuilder<Database, 'opportunities', O>;

function applyFilters<O>(db: Db, qb: OppQuery<O>, f: ListFilters, notEndedAt?: number): OppQuery<O> {
  let q = qb.where('is_active', '=', dbBool(db, true));
  // Ended auctions leave the lists when they are stored and on the sweeper's next pass; between
  // passes this keeps one that ended seconds ago off the top of sort=ending (a range on its index).
  if (notEndedAt !== undefined) q = q.where('auction_end_ms', '>', notEndedAt);
  if (f.state !== undefined) q = q.where('state', '=', f.state);
  if (f.makeKey !== undefined) q = q.where('make_key', '=', f.makeKey);
  if (f.modelKey !== undefined) q = q.where('model_key', '=', f.modelKey);
  if (f.source !== undefined) q = q.where('source', '=', f.source);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.minProfitCents !== undefined) q = q.where('profit_cents', '>=', f.minProfitCents);
  if (f.minRoiBp !== undefined) q = q.where('roi_bp', '>=', f.minRoiBp);
  if (f.maxRisk !== undefined) q = q.where('risk_score', '<=', f.maxRisk);
  if (f.yearMin !== undefined) q = q.where('year', '>=', f.yearMin);
  if (f.yearMax !== undefined) q = q.where('year', '<=', f.yearMax);
  if (f.endsBeforeMs !== undefined) q = q.where('auction_end_ms', '<', f.endsBeforeMs);
  if (f.unflaggedOnly) q = q.where('rank_tier', '=', 0);
  if (f.minHeadroomCents !== undefined) {
    const min = f.minHeadroomCents;
    q = q
      .where('bid_ceiling_cents', 'is not', null)
      .where((eb) => eb(eb('bid_ceiling_cents', '-', eb.ref('current_bid_cents')), '>=', min));
  }
  return q;
}

export interface PageRequest {
  sort: Sort;
  filters: ListFilters;
  limit: number;
}

function columnSort(sort: Sort): { column: SortColumn; dir: 'asc' | 'desc' } {
  if (sort === 'headroom') throw new Error('sort=headroom is served by the workspace reads, not the database');
  return SORT_COLUMNS[sort];
}

/** The request time, for sort=ending only: lists start at the soonest future end. */
const endingCutoff = (req: PageRequest, now: number | undefined) => (req.sort === 'ending' ? now : undefined);

/**
 * Rows after `after` in sort order, rank tier first (flagged listings after every unflagged one);
 * fetches one extra row to know whether more follow.
 */
export async function findKeysetPage(
  db: Db,
  req: PageRequest,
  after: CursorPosition | null,
  now?: number,
): Promise<{ rows: OpportunityRow[]; hasMore: boolean }> {
  const { column, dir } = columnSort(req.sort);
  const rows = await readKeyset(
    db,
    () => applyFilters(db, db.kysely.selectFrom('opportunities').selectAll(), req.filters, endingCutoff(req, now)),
    { key: column, id: 'id', dir, tier: 'rank_tier' },
    after,
    req.limit + 1,
  );
  const hasMore = rows.length > req.limit;
  return { rows: hasMore ? rows.slice(0, req.limit) : rows, hasMore };
}

/** v4 offset page (1-based). */
export async function findOffsetPage(db: Db, req: PageRequest, page: number, now?: number): Promise<OpportunityRow[]> {
  const { column, dir } = columnSort(req.sort);
  return applyFilters(db, db.kysely.selectFrom('opportunities').selectAll(), req.filters, endingCutoff(req, now))
    .orderBy('rank_tier', 'asc')
    .orderBy(column, dir)
    .orderBy('id', dir)
    .limit(req.limit)
    .offset((page - 1) * req.limit)
    .execute();
}

export async function countOpportunities(db: Db, filters: ListFilters): Promise<number> {
  const row = await applyFilters(
    db,
    db.kysely.selectFrom('opportunities').select((eb) => eb.fn.countAll<number>().as('n')),
    filters,
  ).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One published opportunity, or one whose auction has ended (readable, with status "ended"). */
export async function findOpportunityById(db: Db, id: number): Promise<OpportunityRow | undefined> {
  return db.kysely
    .selectFrom('opportunities')
    .selectAll()
    .where('id', '=', id)
    .where((eb) => eb.or([eb('is_active', '=', dbBool(db, true)), eb('status', '=', 'ended')]))
    .executeTakeFirst();
}

export function positionOf(row: OpportunityRow, sort: Sort): CursorPosition {
  return { key: Number(row[columnSort(sort).column]), id: Number(row.id), tier: Number(row.rank_tier) };
}
