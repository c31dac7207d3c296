// The end every listing import shares, a whole batch at once or a streamed file batch by batch:
// anomalies detected among a checked batch's publishable rows, those rows priced and stored with
// their flags, and the quality stage's records (provenance, flag links) written against the ids.
import { storeListings, type CompIndex, type StoreResult } from '../opportunities/index.js';
import type { PeerIndex, QualityStage } from '../quality/index.js';
import type { Db } from '../storage/index.js';
import type { ImportOptions } from './import-records.js';

export interface Pricing {
  comps: CompIndex;
  /** The engine build and comps version the prices are computed with (engineFingerprint). */
  engineHash: string;
  /** A streamed file's peers (the whole file and the live population); a whole batch loads its own. */
  peers?: PeerIndex;
}

export async function publishStage(
  db: Db,
  stage: QualityStage,
  opts: ImportOptions,
  pricing: Pricing,
  onProgress?: (done: number, total: number) => void,
): Promise<StoreResult> {
  await stage.detect(pricing.comps, pricing.peers);
  const listings = stage.publishable.map((a) => a.listing);
  const stored = await storeListings(
    db,
    listings,
    {
      origin: opts.origin,
      isSample: opts.isSample ?? false,
      now: opts.now,
      params: opts.params,
      comps: pricing.comps,
      engineHash: pricing.engineHash,
      ...stage.storeHooks(opts.hasOpenAnomaly),
    },
    onProgress && ((done) => onProgress(done, listings.length)),
  );
  await stage.finish(stored);
  return stored;
}
