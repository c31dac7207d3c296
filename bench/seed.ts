// Seeds a benchmark database with synthetic opportunities through the real write path
// (storeListings: appraisal and batched multi-row upserts), deterministic for a given seed.
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { CompIndex } from '../src/opportunities/comps-store.js';
import { bumpDataVersion, storeListings } from '../src/opportunities/store.js';
import type { ListingInput } from '../src/opportunities/types.js';
import { seededRandom } from '../src/common/random.js';
import type { Db } from '../src/storage/db.js';

export const BENCH_MODELS: Array<[string, string]> = [
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
const SOURCES = ['govdeals', 'publicsurplus', 'gsa'];
const TITLES = ['clean', 'clean', 'clean', 'clean', 'rebuilt', 'salvage'] as const;

function* listings(rows: number, seed: number): Generator<ListingInput> {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  for (let i = 0; i < rows; i++) {
    const [make, model] = pick(BENCH_MODELS);
    const year = 2008 + Math.floor(rnd() * 17);
    yield {
      source: pick(SOURCES),
      lotId: `B${i}`,
      title: `${year} ${make} ${model}`,
      year,
      make,
      model,
      trim: null,
      vin: null,
      mileage: 15_000 + Math.floor(rnd() * 180_000),
      currentBidCents: 50_000 + Math.floor(rnd() * 2_500_000),
      auctionEndsAt: new Date(Date.UTC(2026, 11, 1) + Math.floor(rnd() * 30 * 86_400_000)),
      city: null,
      state: pick(BENCH_STATES),
      zip: null,
      listingUrl: null,
      titleStatus: pick(TITLES),
      description: null,
      buyerPremiumPct: null,
      docFeeCents: null,
    };
  }
}

/** Stores `rows` listings in import batches with distinct created_at, so the newest sort has depth. */
export async function seedOpportunities(db: Db, rows: number, onProgress: (done: number, total: number) => void, seed = 1): Promise<void> {
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
  for (const l of listings(rows, seed)) {
    batch.push(l);
    if (batch.length === BATCH) await flush();
  }
  if (batch.length) await flush();
  await bumpDataVersion(db, base + rows * 1000);
}
