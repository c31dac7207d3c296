// Seeds a benchmark database with synthetic opportunities through the real write path
// (storeListings: appraisal and batched multi-row upserts), deterministic for a given seed.
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { CompIndex } from '../src/opportunities/comps-store.js';
import { storeListings } from '../src/opportunities/store.js';
import { bumpDataVersion } from '../src/opportunities/versions.js';
import type { ListingInput, TitleStatus } from '../src/opportunities/types.js';
import { seededRandom } from '../src/common/random.js';
import type { Db } from '../src/storage/db.js';

export const BENCH_MODELS: ReadonlyArray<readonly [string, string]> = [
  ['Ford', 'F-150'],
  ['Chevrolet', 'Tahoe'],
  ['Dodge', 'Charger'],
  ['Toyota', 'Camry'],
  ['Ford', 'Explorer'],
  ['Honda', 'Accord'],
  ['Ram', '1500'],
  ['Chevrolet', 'Impala'],
  ['Ford', 'Transit'],
  ['Jeep', 'Wrangler'],
  ['Toyota', 'Tacoma'],
  ['Nissan', 'Altima'],
  ['GMC', 'Sierra'],
  ['Ford', 'Fusion'],
  ['Chevrolet', 'Silverado'],
];
export const BENCH_STATES = ['CA', 'TX', 'FL', 'NY', 'AZ', 'WA', 'GA', 'OH', 'NV', 'CO', 'OR', 'UT', 'NM', 'TN', 'NC'];

/**
 * What a synthetic listing set is drawn from. The benchmark's and the tests' sets differ only in
 * these; a seed always draws the same listings from the same shape.
 */
export interface ListingShape {
  models: ReadonlyArray<readonly [string, string]>;
  states: readonly string[];
  sources: readonly string[];
  /** Title brands to draw from; without them every title is clean and nothing is drawn for it. */
  titles?: readonly TitleStatus[];
  /** Model years from `firstYear`, `years` of them. */
  firstYear: number;
  years: number;
  /** Lowest value and width of the range drawn from. */
  mileage: readonly [number, number];
  bidCents: readonly [number, number];
  lotPrefix: string;
}

export const BENCH_LISTINGS: ListingShape = {
  models: BENCH_MODELS,
  states: BENCH_STATES,
  sources: ['govdeals', 'publicsurplus', 'gsa'],
  titles: ['clean', 'clean', 'clean', 'clean', 'rebuilt', 'salvage'],
  firstYear: 2008,
  years: 17,
  mileage: [15_000, 180_000],
  bidCents: [50_000, 2_500_000],
  lotPrefix: 'B',
};

/**
 * `rows` listings drawn from `shape` by a seeded random source; auctions end within 30 days of
 * `endsFrom` (December 2026 by default, where the tests' fixed clocks sit).
 */
export function* syntheticListings(
  rows: number,
  seed: number,
  shape: ListingShape,
  endsFrom: number = Date.UTC(2026, 11, 1),
): Generator<ListingInput> {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const draw = ([min, width]: readonly [number, number]) => min + Math.floor(rnd() * width);
  for (let i = 0; i < rows; i++) {
    const [make, model] = pick(shape.models);
    const year = shape.firstYear + Math.floor(rnd() * shape.years);
    yield {
      source: pick(shape.sources),
      lotId: `${shape.lotPrefix}${i}`,
      title: `${year} ${make} ${model}`,
      year,
      make,
      model,
      trim: null,
      vin: null,
      mileage: draw(shape.mileage),
      currentBidCents: draw(shape.bidCents),
      auctionEndsAt: new Date(endsFrom + Math.floor(rnd() * 30 * 86_400_000)),
      city: null,
      state: pick(shape.states),
      zip: null,
      listingUrl: null,
      titleStatus: shape.titles ? pick(shape.titles) : 'clean',
      description: null,
      buyerPremiumPct: null,
      docFeeCents: null,
    };
  }
}

/**
 * Stores `rows` listings in import batches with distinct created_at, so the newest sort has depth.
 * The benchmarks' replicas run on the real clock, so their auctions end from `auctionsEndFrom`
 * (a day after the run starts): an auction ending mid-run would have the ended-auction sweep bump
 * the data version, which empties every cached page and measures the sweep, not the cache.
 */
export async function seedOpportunities(
  db: Db,
  rows: number,
  onProgress: (done: number, total: number) => void,
  seed = 1,
  auctionsEndFrom = Date.now() + 86_400_000,
): Promise<void> {
  const params = defaultArbitrageParams();
  const comps = new CompIndex();
  const base = Date.UTC(2026, 9, 1);
  const BATCH = 5000;
  let batch: ListingInput[] = [];
  let done = 0;
  const flush = async () => {
    const now = base + done * 1000;
    await storeListings(db, batch, { origin: 'bench', isSample: false, now, params, comps });
    done += batch.length;
    batch = [];
    onProgress(done, rows);
  };
  for (const l of syntheticListings(rows, seed, BENCH_LISTINGS, auctionsEndFrom)) {
    batch.push(l);
    if (batch.length === BATCH) await flush();
  }
  if (batch.length) await flush();
  await bumpDataVersion(db, base + rows * 1000);
}
