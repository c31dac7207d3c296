// Re-appraises stored listings with their current anomaly flags: after an operator's verdict, or
// when the flags of a listing whose content did not change have moved.
import { notifyDataVersion } from '../cache/data-version.js';
import type { ArbitrageParams } from '../config/arbitrage.js';
import { loadCompIndex } from '../opportunities/comps-store.js';
import { matchKey } from '../opportunities/list-query.js';
import { bumpDataVersion, listingFromRow, opportunityValues, upsertOpportunities } from '../opportunities/store.js';
import { dbBool, type Db } from '../storage/db.js';
import type { ListingInput } from '../opportunities/types.js';
import { anomalyViews, blocksHot, type AnomalyView } from './anomaly/anomaly-store.js';
import { listingKey } from './anomaly/detector.js';

export interface ReappraiseOptions {
  params: ArbitrageParams;
  now: number;
  /** With detection switched off, flags are neither shown nor block hot. */
  anomalyDetection: boolean;
}

/** Hooks for storeListings: the flags a listing shows and whether they keep it from being hot. */
export function anomalyHooks(views: ReadonlyMap<string, AnomalyView[]>) {
  return {
    anomaliesFor: (l: { source: string; lotId: string }) => views.get(listingKey(l)) ?? [],
    hasOpenAnomaly: (l: { source: string; lotId: string }) => blocksHot(views.get(listingKey(l)) ?? []),
  };
}

export async function reappraiseListings(db: Db, listingIds: readonly number[], opts: ReappraiseOptions): Promise<number> {
  if (listingIds.length === 0) return 0;
  const rows = await db.kysely.selectFrom('listings').selectAll().where('id', 'in', [...listingIds])
    .where('is_active', '=', dbBool(db, true)).execute();
  if (rows.length === 0) return 0;
  const listings = rows.map((r) => ({ id: Number(r.id), listing: listingFromRow(r), isSample: r.is_sample }));
  const comps = await loadCompIndex(db, new Set(listings.map(({ listing: l }) => `${matchKey(l.make)}|${matchKey(l.model)}`)));
  const views = opts.anomalyDetection ? await anomalyViews(db, listings.map((x) => x.listing)) : new Map<string, AnomalyView[]>();
  const hooks = anomalyHooks(views);
  const storeOpts = { origin: 'reappraisal', isSample: false, now: opts.now, params: opts.params, comps, ...hooks };
  const opps = listings.map((x) => ({ ...opportunityValues(db, x.id, x.listing, storeOpts), is_sample: x.isSample }));
  await db.kysely.transaction().execute((trx) => upsertOpportunities(trx, opps));
  // Cached pages are keyed by the data version; telling the watcher drops them on this replica at once.
  notifyDataVersion(db, await bumpDataVersion(db, opts.now));
  return opps.length;
}

/** Hooks from the stored flags, for re-appraisals that do not run detection (comps imports). */
export async function storedAnomalyHooks(db: Db, keys: ReadonlyArray<{ source: string; lotId: string }>, anomalyDetection: boolean, extra?: (l: ListingInput) => boolean) {
  const h = anomalyHooks(anomalyDetection ? await anomalyViews(db, keys) : new Map<string, AnomalyView[]>());
  return { anomaliesFor: h.anomaliesFor, hasOpenAnomaly: (l: ListingInput) => h.hasOpenAnomaly(l) || (extra?.(l) ?? false) };
}
