// The quality monitor's sample of the newest records is read in slices keyed by (updated_at, id):
// listings that share one timestamp (a whole import does) must each be read exactly once, newest
// import first, on both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureQuality, qualityRecords } from '../src/quality/measure.js';
import { dbBool } from '../src/storage/db.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { ingestMadeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const T0 = Date.UTC(2026, 10, 1);

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('quality sample on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    // 1,234 listings with one timestamp, then 321 newer ones: slices of 200 split both groups.
    await ingestMadeListings(tdb.db, 1234, 5, 'OLD', T0);
    await ingestMadeListings(tdb.db, 321, 6, 'NEW', T0 + 60_000);
  }, 120_000);
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  it.runIf(run)('reads every active listing once, the newest import first', async () => {
    const active = await tdb.db.kysely.selectFrom('listings').select('lot_id').where('is_active', '=', dbBool(tdb.db, true)).execute();
    const records = await qualityRecords(tdb.db);
    const lots = records.map((r) => r.listing.lotId);
    expect(new Set(lots).size).toBe(lots.length);
    expect(new Set(lots)).toEqual(new Set(active.map((a) => a.lot_id)));
    const firstOld = lots.findIndex((l) => l.startsWith('OLD'));
    expect(lots.slice(0, firstOld).every((l) => l.startsWith('NEW'))).toBe(true);
    expect(lots.slice(firstOld).every((l) => l.startsWith('OLD'))).toBe(true);
    expect(firstOld).toBe(active.filter((a) => a.lot_id.startsWith('NEW')).length);
  });

  it.runIf(run)('covers every active opportunity in the provenance measure', async () => {
    const { n } = await tdb.db.kysely
      .selectFrom('opportunities')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('is_active', '=', dbBool(tdb.db, true))
      .executeTakeFirstOrThrow();
    const snap = await measureQuality(tdb.db, T0 + 120_000);
    expect(Number(n)).toBeGreaterThan(1000);
    expect(snap.provenance.opportunities).toBe(Number(n));
    expect(snap.provenance.coverageRatio).toBeGreaterThan(0.9);
  });
});
