// A batch's flags are written and linked to their listings a few hundred to a statement: a file of
// relisted vehicles flags nearly every row, and a statement (and on its own, a commit) per flag was
// 17,000 of each for 20,000 rows. Checked on both dialects for what is stored and how often the
// database is asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listingKey } from '../src/quality/anomaly/detector.js';
import { linkAnomaliesToListings, recordDetections } from '../src/quality/anomaly/anomaly-store.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const T0 = Date.UTC(2026, 10, 1);

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('batched anomaly writes on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  beforeAll(async () => {
    if (run) tdb = await createTestDb(dialect);
  });
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  it.runIf(run)('stores 700 listings’ flags and links them to their listings in a bounded number of statements', async () => {
    const listings = makeListings(700, 6, 'RELIST');
    // Two kinds on every listing, and a second detection of one of them later in the batch.
    const found = new Map(
      listings.map((l) => [
        listingKey(l),
        [
          { kind: 'duplicate_vin' as const, detail: `VIN also on lot X${l.lotId}` },
          { kind: 'price_vs_comps' as const, detail: 'first' },
          { kind: 'price_vs_comps' as const, detail: `bid far below market for ${l.lotId}` },
        ],
      ]),
    );
    const asked = () => tdb.db.stats.queries;
    let before = asked();
    const views = await recordDetections(tdb.db, listings, found, T0);
    // Reads of the batch's stored flags before and after, the inserts and the checks: a handful of
    // statements per 300 listings, not one per flag.
    expect(asked() - before).toBeLessThan(30);
    // On PostgreSQL the lookups before and after are one statement each, as are the checks (and
    // the first bulk upsert of a table reads its column types once): 1 + BEGIN + 5 + 1 + COMMIT + 1 + 1.
    if (dialect === 'postgres') expect(asked() - before).toBeLessThanOrEqual(11);
    expect(views.size).toBe(700);
    for (const l of listings)
      expect(views.get(listingKey(l))!.map((v) => [v.kind, v.detail])).toEqual([
        ['duplicate_vin', `VIN also on lot X${l.lotId}`],
        ['price_vs_comps', `bid far below market for ${l.lotId}`],
      ]);

    const ids = new Map(listings.map((l, i) => [listingKey(l), 5000 + i]));
    before = asked();
    await linkAnomaliesToListings(tdb.db, ids, ids.keys());
    // PostgreSQL: one statement carries all 700 links and is atomic alone (no BEGIN or COMMIT);
    // SQLite: three of 300 at most, in a transaction.
    expect(asked() - before).toBe(dialect === 'postgres' ? 1 : 5);
    const linked = await tdb.db.kysely
      .selectFrom('quality_anomalies')
      .select(['source', 'lot_id', 'listing_id'])
      .where('lot_id', 'like', 'RELIST%')
      .execute();
    expect(linked).toHaveLength(1400);
    for (const r of linked) expect(Number(r.listing_id)).toBe(ids.get(listingKey({ source: r.source, lotId: r.lot_id })));
  });
});
