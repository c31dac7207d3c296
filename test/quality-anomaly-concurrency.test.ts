// Two imports of the same lot at once (two workers, overlapping sources) both find it anomalous:
// both runs must succeed and leave one flag, on both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listingKey } from '../src/quality/anomaly/detector.js';
import { recordDetections } from '../src/quality/anomaly/anomaly-store.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const T0 = Date.UTC(2026, 10, 1);

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('concurrent anomaly detections on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  beforeAll(async () => {
    if (run) tdb = await createTestDb(dialect);
  });
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  it.runIf(run)('both runs succeed and the lot carries one flag per kind', async () => {
    const listings = makeListings(20, 4, 'RACE');
    const found = new Map(
      listings.map((l) => [listingKey(l), [{ kind: 'price_vs_comps' as const, detail: `bid far below market for ${l.lotId}` }]]),
    );
    const [a, b] = await Promise.all([recordDetections(tdb.db, listings, found, T0), recordDetections(tdb.db, listings, found, T0 + 1)]);
    for (const views of [a, b]) {
      expect(views.size).toBe(listings.length);
      for (const v of views.values()) expect(v.map((x) => [x.kind, x.status])).toEqual([['price_vs_comps', 'open']]);
    }
    const rows = await tdb.db.kysely.selectFrom('quality_anomalies').select(['lot_id', 'kind']).where('lot_id', 'like', 'RACE%').execute();
    expect(rows).toHaveLength(listings.length);
  });

  it.runIf(run)('both runs succeed whatever order each met the lots in', async () => {
    // PostgreSQL locks a statement's rows in the order it gives them: the same lots written in
    // opposite orders by two transactions is the classic deadlock.
    for (let round = 0; round < 8; round++) {
      const listings = makeListings(300, 40 + round, `ORDER${round}-`);
      const found = new Map(listings.map((l) => [listingKey(l), [{ kind: 'price_vs_comps' as const, detail: `round ${round}` }]]));
      const [a, b] = await Promise.all([
        recordDetections(tdb.db, listings, found, T0 + round),
        recordDetections(tdb.db, [...listings].reverse(), found, T0 + round),
      ]);
      expect(a.size).toBe(300);
      expect(b.size).toBe(300);
    }
    const rows = await tdb.db.kysely.selectFrom('quality_anomaly_checks').select('lot_id').where('lot_id', 'like', 'ORDER%').execute();
    expect(rows).toHaveLength(8 * 300);
  });

  it.runIf(run)("a concurrent re-detection keeps an operator's verdict", async () => {
    const [l] = makeListings(1, 5, 'VERDICT');
    const found = new Map([[listingKey(l!), [{ kind: 'price_vs_comps' as const, detail: 'first' }]]]);
    await recordDetections(tdb.db, [l!], found, T0);
    await tdb.db.kysely
      .updateTable('quality_anomalies')
      .set({ status: 'false_positive', marked_by: 'ops' })
      .where('lot_id', '=', l!.lotId)
      .execute();
    const again = new Map([[listingKey(l!), [{ kind: 'price_vs_comps' as const, detail: 'second' }]]]);
    await Promise.all([recordDetections(tdb.db, [l!], again, T0 + 1), recordDetections(tdb.db, [l!], again, T0 + 2)]);
    const row = await tdb.db.kysely
      .selectFrom('quality_anomalies')
      .select(['status', 'detail'])
      .where('lot_id', '=', l!.lotId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'false_positive', detail: 'second' });
  });

  it.runIf(run)('each run records when it checked every lot, found anomalous or not', async () => {
    const listings = makeListings(450, 6, 'CHECKED');
    const found = new Map([[listingKey(listings[0]!), [{ kind: 'price_vs_comps' as const, detail: 'first' }]]]);
    const checkedAt = async () => {
      const rows = await tdb.db.kysely
        .selectFrom('quality_anomaly_checks')
        .select(['lot_id', 'checked_at'])
        .where('lot_id', 'like', 'CHECKED%')
        .execute();
      return new Set(rows.map((r) => `${r.lot_id}@${Number(r.checked_at)}`));
    };
    await recordDetections(tdb.db, listings, found, T0);
    expect(await checkedAt()).toEqual(new Set(listings.map((l) => `${l.lotId}@${T0}`)));
    // A later run over two thirds of them moves those lots' times and leaves the rest.
    await recordDetections(tdb.db, listings.slice(0, 300), new Map(), T0 + 5);
    expect(await checkedAt()).toEqual(new Set(listings.map((l, i) => `${l.lotId}@${i < 300 ? T0 + 5 : T0}`)));
  });
});
