// The order a transaction writes its opportunities in. On SQLite it follows the make-led ranking
// indexes (a transaction then walks their pages once, in key order); on PostgreSQL it stays the
// lots' order, the one every concurrent import locks rows in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byCodeUnit } from '../src/common/compare.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeListings, storeTestListings } from './support/listings.js';

const pgOk = await requirePostgres();

async function writtenOrder(t: TestDb) {
  const rows = await t.db.kysely
    .selectFrom('opportunities as o')
    .innerJoin('listings as l', 'l.id', 'o.listing_id')
    .select(['o.id', 'o.listing_id', 'o.make_key', 'o.state', 'l.source', 'l.lot_id'])
    .execute();
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

describe.each([
  ['sqlite', true],
  ['postgres', pgOk],
] as const)('opportunities written by one transaction, on %s', (dialect, available) => {
  let t: TestDb;
  beforeAll(async () => {
    if (available) t = await createTestDb(dialect);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it.runIf(available)('come in the order the database is best served by', async () => {
    // 300 lots over ten makes and ten states, their makes in no order of their own.
    const listings = makeListings(300, 7, 'W');
    const result = await storeTestListings(t.db, listings);
    expect(result.created).toBe(300);
    const written = await writtenOrder(t);
    expect(written).toHaveLength(300);
    const expected = [...written].sort(
      dialect === 'sqlite'
        ? (a, b) => byCodeUnit(a.make_key, b.make_key) || byCodeUnit(a.state, b.state) || Number(a.listing_id) - Number(b.listing_id)
        : (a, b) => byCodeUnit(`${a.source}\u0000${a.lot_id}`, `${b.source}\u0000${b.lot_id}`),
    );
    expect(written.map((r) => r.listing_id)).toEqual(expected.map((r) => r.listing_id));
    // The two orders differ for these lots, so the test tells them apart.
    const byLot = [...written].sort((a, b) => byCodeUnit(`${a.source}\u0000${a.lot_id}`, `${b.source}\u0000${b.lot_id}`));
    const byMake = [...written].sort((a, b) => byCodeUnit(a.make_key, b.make_key) || byCodeUnit(a.state, b.state));
    expect(byLot.map((r) => r.listing_id)).not.toEqual(byMake.map((r) => r.listing_id));
  });
});
