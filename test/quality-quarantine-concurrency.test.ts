// Two imports quarantining the same lots at once (two files, a feed and a scrape) must both
// finish: PostgreSQL locks rows in the order a transaction writes them, so the same lots written
// in opposite orders by two transactions is the classic deadlock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyContractResults } from '../src/quality/contract/quarantine-store.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeListings, storeTestListings } from './support/listings.js';

const pgOk = await requirePostgres();
const T0 = Date.UTC(2026, 10, 1);

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('concurrent quarantines on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  beforeAll(async () => {
    if (run) tdb = await createTestDb(dialect);
  });
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  it.runIf(run)('both succeed whatever order each met the lots in, and every lot is withdrawn once', async () => {
    for (let round = 0; round < 6; round++) {
      const listings = makeListings(200, 60 + round, `QRACE${round}-`);
      await storeTestListings(tdb.db, listings, T0);
      const failing = listings.map((listing, i) => ({
        row: i + 2,
        listing,
        violations: [{ rule: 'range', field: 'currentBidCents', message: 'bid out of range' }],
      }));
      const [a, b] = await Promise.all([
        applyContractResults(tdb.db, failing, [], { importId: 1, origin: 'a.csv', now: T0 + round }),
        applyContractResults(tdb.db, [...failing].reverse(), [], { importId: 2, origin: 'b.csv', now: T0 + round }),
      ]);
      // Whichever ran first withdrew each lot; the other found it already withdrawn.
      expect(a.unpublished + b.unpublished).toBe(200);
    }
    const held = await tdb.db.kysely.selectFrom('quality_quarantine').select('lot_id').where('lot_id', 'like', 'QRACE%').execute();
    expect(held).toHaveLength(6 * 200);
  });
});
