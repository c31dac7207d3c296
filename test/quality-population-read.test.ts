// The population read selects only the columns a peer's feature is computed from. Whatever it
// leaves out, every stored listing's peer feature must be the one its whole row gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { listingFromRow } from '../src/opportunities/index.js';
import { loadPopulation } from '../src/quality/anomaly/anomaly-store.js';
import { listingKey, peerFeature } from '../src/quality/anomaly/detector.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { ingestListings } from '../src/ingest/import-service.js';
import { makeListings } from './support/listings.js';

const T0 = Date.UTC(2026, 10, 1);
const params = defaultArbitrageParams();

describe('population read', () => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('gives every stored peer the feature its whole row gives', async () => {
    // Stored rows that vary where the features look: title status, mileage, trim.
    const stored = makeListings(400, 3, 'POP').map((l, i) => ({
      ...l,
      titleStatus: i % 3 === 0 ? ('salvage' as const) : i % 3 === 1 ? ('rebuilt' as const) : l.titleStatus,
      mileage: i % 5 === 0 ? null : l.mileage,
      trim: i % 4 === 0 ? 'Police Pursuit' : l.trim,
    }));
    await ingestListings(
      tdb.db,
      { accepted: stored.map((listing, i) => ({ row: i + 1, listing })), rejected: [] },
      { origin: 'test', now: T0, params },
    );
    const whole = await tdb.db.kysely.selectFrom('listings').selectAll().execute();
    expect(new Set(whole.map((r) => r.title_status)).size).toBe(3);
    expect(whole.some((r) => r.mileage === null)).toBe(true);
    const expected = new Map(whole.map((r) => [listingKey(listingFromRow(r)), peerFeature(listingFromRow(r), params, T0)]));

    // A batch of other lots of the same vehicles: every stored listing is its peer.
    const batch = makeListings(400, 3, 'NEW');
    const population = await loadPopulation(tdb.db, batch, params.valuation.modelFamilies);
    expect(population.length).toBe(whole.length);
    for (const p of population) expect(peerFeature(p, params, T0)).toEqual(expected.get(listingKey(p)));
  });
});
