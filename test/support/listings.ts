// Deterministic listings for tests, built from a seeded random source.
import { defaultArbitrageParams } from '../../src/config/arbitrage.js';
import { ingestListings } from '../../src/ingest/import-service.js';
import type { ListingInput } from '../../src/opportunities/types.js';
import { seededRandom } from '../../src/common/random.js';
import type { Db } from '../../src/storage/db.js';

const MODELS: Array<[string, string]> = [
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
];
const STATES = ['CA', 'TX', 'FL', 'NY', 'AZ', 'WA', 'GA', 'OH', 'NV', 'CO'];
const SOURCES = ['govdeals', 'publicsurplus', 'gsa', 'municibid'];

export function makeListings(n: number, seed = 1, prefix = 'T'): ListingInput[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  return Array.from({ length: n }, (_, i) => {
    const [make, model] = pick(MODELS);
    const year = 2010 + Math.floor(rnd() * 14);
    return {
      source: pick(SOURCES),
      lotId: `${prefix}${i}`,
      title: `${year} ${make} ${model}`,
      year,
      make,
      model,
      trim: null,
      vin: null,
      mileage: 20_000 + Math.floor(rnd() * 150_000),
      currentBidCents: 100_000 + Math.floor(rnd() * 2_000_000),
      auctionEndsAt: new Date(Date.UTC(2026, 11, 1) + Math.floor(rnd() * 30 * 86_400_000)),
      city: null,
      state: pick(STATES),
      zip: null,
      listingUrl: null,
      titleStatus: 'clean',
      description: null,
      buyerPremiumPct: null,
      docFeeCents: null,
    };
  });
}

/** Imports `n` generated listings through the real import path, as a feed would at `now`. */
export function ingestMadeListings(db: Db, n: number, seed: number, prefix: string, now: number) {
  return ingestListings(
    db,
    { accepted: makeListings(n, seed, prefix).map((listing, i) => ({ row: i + 1, listing })), rejected: [] },
    { origin: 'test', now, params: defaultArbitrageParams() },
  );
}
