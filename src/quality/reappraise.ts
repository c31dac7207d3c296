// Re-appraisal of stored listings: after an operator's verdict, when the flags of a listing whose
// content did not change have moved, after a comps import, and on demand (`dealerscope reappraise`)
// after the engine's parameters changed. Each re-appraised listing records the engine that priced
// it, so the next import of the unchanged listing skips it again.
import { sql } from 'kysely';
import {
  bumpDataVersion,
  engineFingerprint,
  listingFromRow,
  loadCompIndex,
  notifyDataVersion,
  opportunityValues,
  readCompsVersion,
  retryingConflicts,
  storedHash,
  type StoreOptions,
  upsertOpportunities,
} from '../opportunities/index.js';
import type { ArbitrageParams } from '../config/index.js';
import type { ListingInput } from '../opportunities/index.js';
import { type Db, dbBool, type ListingRow, valuesTable } from '../storage/index.js';
import { anomalyViews, blocksHot, type AnomalyView } from './anomaly/anomaly-store.js';
import { listingKey } from './anomaly/detector.js';
import { loadVinDecodes } from './vin-decoding/decode-store.js';
import { vehicleAttributes } from './vin-decoding/decoder.js';

export interface ReappraiseOptions {
  params: ArbitrageParams;
  now: number;
  /** With detection switched off, flags are neither shown nor block hot. */
  anomalyDetection: boolean;
  origin?: string;
  /** A caller's own reason to hold a listing back from hot, on top of its stored flags. */
  hasOpenAnomaly?: (l: ListingInput) => boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Hooks for storeListings: the flags a listing shows and whether they keep it from being hot. */
export function anomalyHooks(views: ReadonlyMap<string, AnomalyView[]>) {
  return {
    anomaliesFor: (l: { source: string; lotId: string }) => views.get(listingKey(l)) ?? [],
    hasOpenAnomaly: (l: { source: string; lotId: string }) => blocksHot(views.get(listingKey(l)) ?? []),
  };
}

/** Hooks from the stored flags, for re-appraisals that do not run detection (comps imports). */
export async function storedAnomalyHooks(
  db: Db,
  keys: ReadonlyArray<{ source: string; lotId: string }>,
  anomalyDetection: boolean,
  extra?: (l: ListingInput) => boolean,
) {
  const h = anomalyHooks(anomalyDetection ? await anomalyViews(db, keys) : new Map<string, AnomalyView[]>());
  return { anomaliesFor: h.anomaliesFor, hasOpenAnomaly: (l: ListingInput) => h.hasOpenAnomaly(l) || (extra?.(l) ?? false) };
}

const CHUNK = 200;
/**
 * Listings re-appraised per transaction. A commit writes every page the transaction dirtied, and
 * a chunk's opportunities touch most pages of the 24 sort indexes, so five chunks to a commit write
 * each page once instead of five times (storeListings commits every 1,000 rows for the same
 * reason). A transaction per chunk was 5.8 s of commits when a relisted file moved the flags of
 * 17,000 stored listings.
 */
const TRANSACTION_ROWS = 1000;

/** Re-appraises the given stored listings in chunks with their flags, decoded VINs and current comps. */
export async function reappraiseRows(
  db: Db,
  rows: readonly ListingRow[],
  opts: ReappraiseOptions,
  progressBase = { done: 0, total: rows.length },
  bumpVersion = true,
): Promise<number> {
  if (rows.length === 0) return 0;
  const aliases = opts.params.valuation.modelFamilies;
  const comps = await loadCompIndex(db, new Set(rows.map((r) => r.make)), aliases);
  const engineHash = engineFingerprint(opts.params, await readCompsVersion(db));
  const priceChunk = async (chunk: readonly ListingRow[]) => {
    const [decodes, hooks] = await Promise.all([
      loadVinDecodes(
        db,
        chunk.map((r) => r.vin),
      ),
      storedAnomalyHooks(
        db,
        chunk.map((r) => ({ source: r.source, lotId: r.lot_id })),
        opts.anomalyDetection,
        opts.hasOpenAnomaly,
      ),
    ]);
    const storeOpts: StoreOptions = {
      origin: opts.origin ?? 'reappraisal',
      isSample: false,
      now: opts.now,
      params: opts.params,
      comps,
      engineHash,
      ...hooks,
    };
    const hashes: Array<[id: number, hash: string]> = [];
    const opps = chunk.map((r) => {
      const l = listingFromRow(r);
      const d = l.vin ? decodes.get(l.vin.toUpperCase()) : undefined;
      l.vehicle = d ? vehicleAttributes(d) : null;
      hashes.push([Number(r.id), storedHash(l, storeOpts)]);
      return { ...opportunityValues(db, Number(r.id), l, storeOpts), is_sample: r.is_sample };
    });
    return { hashes, opps };
  };
  // In id order: two re-appraisals of overlapping listings on PostgreSQL then take the rows' locks
  // in the same order and queue behind each other instead of deadlocking.
  const ordered = [...rows].sort((a, b) => Number(a.id) - Number(b.id));
  for (let i = 0; i < ordered.length; i += TRANSACTION_ROWS) {
    const group = ordered.slice(i, i + TRANSACTION_ROWS);
    const priced: Array<Awaited<ReturnType<typeof priceChunk>>> = [];
    // Priced before the transaction opens: its write lock is held for the writes alone.
    for (let j = 0; j < group.length; j += CHUNK) priced.push(await priceChunk(group.slice(j, j + CHUNK)));
    // Retried when a concurrent import's transaction wins a deadlock: the priced rows are reused.
    await retryingConflicts(() =>
      db.kysely.transaction().execute(async (trx) => {
        // One statement per chunk; a statement per listing was 17,000 statements for the relisted
        // file above.
        for (const { hashes } of priced)
          await sql`UPDATE listings SET content_hash = v.column2 FROM ${valuesTable(hashes, [0])} WHERE listings.id = v.column1`.execute(
            trx,
          );
        // Last: it takes the change counter's lock, which holds other writers until this commits.
        for (const { opps } of priced) await upsertOpportunities(db, trx, opps);
      }),
    );
    opts.onProgress?.(progressBase.done + Math.min(i + TRANSACTION_ROWS, rows.length), progressBase.total);
  }
  // Cached pages are keyed by the data version; telling the watcher drops them on this replica at once.
  if (bumpVersion) notifyDataVersion(db, await bumpDataVersion(db, opts.now));
  return rows.length;
}

/** Re-appraises the given listings that are active; `bumpVersion` false leaves the data version to a caller that bumps it later. */
export async function reappraiseListings(
  db: Db,
  listingIds: readonly number[],
  opts: ReappraiseOptions,
  bumpVersion = true,
): Promise<number> {
  if (listingIds.length === 0) return 0;
  const rows: ListingRow[] = [];
  for (let i = 0; i < listingIds.length; i += 500) {
    rows.push(
      ...(await db.kysely
        .selectFrom('listings')
        .selectAll()
        .where('id', 'in', listingIds.slice(i, i + 500))
        .where('is_active', '=', dbBool(db, true))
        .execute()),
    );
  }
  return reappraiseRows(db, rows, opts, { done: 0, total: rows.length }, bumpVersion);
}

/**
 * Every active listing, or with `staleOnly` those priced by another engine (other parameters,
 * comps version or engine build) than the current one. Answers how many were re-appraised.
 */
export async function reappraiseAll(
  db: Db,
  opts: ReappraiseOptions & { staleOnly?: boolean },
): Promise<{ reappraised: number; engine: string }> {
  const engine = engineFingerprint(opts.params, await readCompsVersion(db));
  const base = () => {
    const q = db.kysely.selectFrom('listings').where('is_active', '=', dbBool(db, true));
    return opts.staleOnly ? q.where(sql<boolean>`content_hash NOT LIKE ${`%.${engine}`}`) : q;
  };
  const total = Number(
    (
      await base()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  let done = 0;
  let after = 0;
  // A page of listings at a time, so a 100 k-listing database never sits in memory at once.
  for (;;) {
    const rows = await base().selectAll().where('id', '>', after).orderBy('id').limit(2_000).execute();
    if (rows.length === 0) break;
    await reappraiseRows(db, rows, opts, { done, total }, false);
    done += rows.length;
    after = Number(rows[rows.length - 1]!.id);
  }
  if (done > 0) notifyDataVersion(db, await bumpDataVersion(db, opts.now));
  if (total === 0) opts.onProgress?.(0, 0);
  return { reappraised: done, engine };
}
