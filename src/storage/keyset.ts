// Keyset reads: the rows after a (sort value, id) position, in that order, on both dialects.
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from './db.js';

export interface KeysetOrder {
  /** Column references as SQL spells them, e.g. `created_at` or `listings.updated_at`. */
  key: string;
  id: string;
  dir: 'asc' | 'desc';
  /** A small integer column ordered ascending before the key (a rank tier); absent for a plain key order. */
  tier?: string;
}

export interface KeysetPosition {
  key: number;
  id: number;
  /** The tier of the last row; 0 when the order has no tier. */
  tier?: number;
}

/**
 * Up to `limit` rows of `query()` after `after`, ordered by key then id.
 *
 * PostgreSQL compares the row value `(key, id)` inside its B-tree. SQLite seeks a row-value bound
 * on its first column only, then steps through every row that ties on it: an import stores its
 * whole batch with one timestamp, so a position in the middle of a 5,000-listing batch read
 * thousands of index entries (page 1000 of 100 k rows: 0.25 ms of index walk against 0.02 ms for
 * page 1). There the rest of the tie, then the rows past it, are two seeks on the same index
 * (its entries carry the id as their last key).
 */
export async function readKeyset<DB, TB extends keyof DB, O>(
  db: Db,
  query: () => SelectQueryBuilder<DB, TB, O>,
  order: KeysetOrder,
  after: KeysetPosition | null,
  limit: number,
): Promise<O[]> {
  const key = sql.ref(order.key);
  const id = sql.ref(order.id);
  const tier = order.tier ? sql.ref(order.tier) : null;
  const cmp = sql.raw(order.dir === 'desc' ? '<' : '>');
  type Cond = ReturnType<typeof sql<boolean>>;
  const read = (where: Cond | null, n: number) => {
    let q = query();
    if (where) q = q.where(where);
    if (tier) q = q.orderBy(tier, 'asc');
    return q.orderBy(key, order.dir).orderBy(id, order.dir).limit(n).execute();
  };
  if (!after) return read(null, limit);
  // Within the position's tier first, then the tiers after it from their start: each read is a
  // range of the (tier, key, id) index.
  const t = after.tier ?? 0;
  const inTier = (c: Cond): Cond => (tier ? sql<boolean>`${tier} = ${t} and ${c}` : c);
  let rows: O[];
  if (db.dialect === 'postgres') rows = await read(inTier(sql<boolean>`(${key}, ${id}) ${cmp} (${after.key}, ${after.id})`), limit);
  else {
    rows = await read(inTier(sql<boolean>`${key} = ${after.key} and ${id} ${cmp} ${after.id}`), limit);
    if (rows.length < limit) rows = rows.concat(await read(inTier(sql<boolean>`${key} ${cmp} ${after.key}`), limit - rows.length));
  }
  if (tier && rows.length < limit) rows = rows.concat(await read(sql<boolean>`${tier} > ${t}`, limit - rows.length));
  return rows;
}
