// Duplicated VINs kept true on both sides and over time. Detection flags the listings an import
// checks, against every live listing holding the same VIN; the stored listing a new lot
// duplicated was not among those checked, so it showed no flag while the new lot did, and a flag
// stayed open after the other listing's auction had ended or its lot was withdrawn. These passes
// set the duplicate_vin flags of stored listings from their VIN's live holders (active, auction
// not ended) and re-appraise the listings whose flags moved, so their rank tier and hot status
// follow the flag.
import type { ArbitrageParams } from '../config/index.js';
import { dbBool, type Db } from '../storage/index.js';
import { liveVinHolders, writeDuplicateVinFlags, type DuplicateVinState } from './anomaly/anomaly-store.js';
import { duplicateVinDetail, listingKey } from './anomaly/detector.js';
import { reappraiseListings } from './reappraise.js';

export interface DuplicateVinOptions {
  params: ArbitrageParams;
  now: number;
  /** Listings whose flags their own import's detection has just set (the batch's, or the whole file's). */
  skip?: (key: string) => boolean;
  /** false inside an import, which bumps the data version once at its end (a streamed file's batches would each bump it). */
  bumpVersion?: boolean;
}

/**
 * Sets the duplicate_vin flags of the live listings holding `vins` (those `skip` leaves out
 * aside) and re-appraises the ones whose flags changed. Answers how many changed.
 */
export async function reconcileDuplicateVins(db: Db, vins: Iterable<string>, opts: DuplicateVinOptions): Promise<number> {
  const unique = [...new Set(vins)];
  if (unique.length === 0) return 0;
  const wanted: DuplicateVinState[] = [];
  for (const [vin, holders] of await liveVinHolders(db, unique, opts.now)) {
    for (const h of holders) {
      if (opts.skip?.(listingKey(h))) continue;
      const others = holders.filter((o) => o !== h).map(listingKey);
      wanted.push({ listingId: h.id, source: h.source, lotId: h.lotId, detail: others.length ? duplicateVinDetail(vin, others) : null });
    }
  }
  const changed = await writeDuplicateVinFlags(db, wanted, opts.now);
  if (changed.length)
    await reappraiseListings(db, changed, { params: opts.params, now: opts.now, anomalyDetection: true }, opts.bumpVersion);
  return changed.length;
}

/**
 * Reconciles every VIN a live listing holds an open duplicate_vin flag for: run when listings
 * stop being live (auctions ended, lots withdrawn), so the flags that named them resolve and the
 * listings left alone with their VIN rank as unflagged again.
 */
export async function refreshOpenDuplicateVins(db: Db, opts: Omit<DuplicateVinOptions, 'skip'>): Promise<number> {
  const rows = await db.kysely
    .selectFrom('quality_anomalies')
    .innerJoin('listings', (j) =>
      j.onRef('listings.source', '=', 'quality_anomalies.source').onRef('listings.lot_id', '=', 'quality_anomalies.lot_id'),
    )
    .select('listings.vin')
    .distinct()
    .where('quality_anomalies.status', '=', 'open')
    .where('quality_anomalies.kind', '=', 'duplicate_vin')
    .where('listings.is_active', '=', dbBool(db, true))
    .where('listings.vin', 'is not', null)
    .execute();
  return reconcileDuplicateVins(
    db,
    rows.map((r) => r.vin as string),
    opts,
  );
}
