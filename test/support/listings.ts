// Deterministic listings for tests: the benchmark's generator (bench/seed.ts) over the tests' own
// shape, which every suite's expectations were written against.
import { defaultArbitrageParams } from '../../src/config/arbitrage.js';
import { ingestListings } from '../../src/ingest/import-service.js';
import { CompIndex } from '../../src/opportunities/comps-store.js';
import { storeListings } from '../../src/opportunities/store.js';
import type { ListingInput } from '../../src/opportunities/types.js';
import { syntheticListings, type ListingShape } from '../../bench/seed.js';
import type { Db } from '../../src/storage/db.js';

const TEST_LISTINGS: Omit<ListingShape, 'lotPrefix'> = {
  models: [
    ['Ford', 'F-150'],
    ['Chevrolet', 'Tahoe'],
    ['Dodge', 'Charger'],
    ['Toyota', 'Camry'],
    ['Ford', 'Police Interceptor Utility'],
    ['Honda', 'Accord'],
    ['Ram', '1500'],
    ['Chevrolet', 'Impala'],
    ['Ford', 'Transit'],
    ['Jeep', 'Wrangler'],
  ],
  states: ['CA', 'TX', 'FL', 'NY', 'AZ', 'WA', 'GA', 'OH', 'NV', 'CO'],
  sources: ['govdeals', 'publicsurplus', 'gsa', 'municibid'],
  firstYear: 2010,
  years: 14,
  mileage: [20_000, 150_000],
  bidCents: [100_000, 2_000_000],
};

export function makeListings(n: number, seed = 1, prefix = 'T'): ListingInput[] {
  return [...syntheticListings(n, seed, { ...TEST_LISTINGS, lotPrefix: prefix })];
}

/** Imports `n` generated listings through the real import path, as a feed would at `now`. */
export function ingestMadeListings(db: Db, n: number, seed: number, prefix: string, now: number) {
  return ingestListings(
    db,
    { accepted: makeListings(n, seed, prefix).map((listing, i) => ({ row: i + 1, listing })), rejected: [] },
    { origin: 'test', now, params: defaultArbitrageParams() },
  );
}

/**
 * Stores listings as a test's fixtures, priced with the default parameters and no comparables, at
 * `now` (by default 1 November 2026, a month before the generated auctions end).
 */
export function storeTestListings(db: Db, listings: ListingInput[], now = Date.UTC(2026, 10, 1)) {
  return storeListings(db, listings, { origin: 'test', isSample: false, now, params: defaultArbitrageParams(), comps: new CompIndex() });
}
