// The write side: listings upserted by source + lot id, each with its appraisal stored as an
// opportunity. Batched multi-row upserts keep a 100 k import to seconds on both databases.
import { withRetries } from '../common/retry.js';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { nextChangeSeq } from './versions.js';
import { appraise } from './engine/index.js';
import { engineFingerprint } from './engine/fingerprint.js';
import type { ArbitrageParams } from '../config/index.js';
import {
  bulkUpsert,
  type Database,
  type Db,
  dbBool,
  lookupByGroup,
  type ListingRow,
  type NewListing,
  type NewOpportunity,
  type UpsertShape,
  upsertRowsPerStatement,
} from '../storage/index.js';
import type { CompIndex } from './comps-store.js';
import { matchKey } from './list-query.js';
import type { ListingInput, TitleStatus } from './types.js';
import { byCodeUnit } from '../common/compare.js';

export interface StoreResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Listing ids whose opportunity changed; the cache and quality capabilities key off them. */
  changedListingIds: number[];
  /** VINs stored listings held until this write gave them another (a corrected VIN), for the duplicated-VIN check. */
  replacedVins: string[];
}

export interface StoreOptions {
  origin: string;
  isSample: boolean;
  now: number;
  params: ArbitrageParams;
  comps: CompIndex;
  /** Listings with an open anomaly are never hot (supplied by the quality capability). */
  hasOpenAnomaly?: (listing: ListingInput) => boolean;
  /** The listing's anomaly flags as the opportunity's `anomalies` array shows them (quality capability). */
  anomaliesFor?: (listing: ListingInput) => unknown[];
  /**
   * The engine's fingerprint (code, parameters, comps version) stored beside the content hash: an
   * unchanged listing is skipped only when it was priced by the same engine. Defaults to these
   * params with comps version 0.
   */
  engineHash?: string;
}

/** The stored hash: the listing's content and the engine that priced it. */
export function storedHash(l: ListingInput, opts: Pick<StoreOptions, 'engineHash' | 'params'>): string {
  return `${listingHash(l)}.${opts.engineHash ?? engineFingerprint(opts.params, 0)}`;
}

export function listingHash(l: ListingInput): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        l.title,
        l.year,
        l.make,
        l.model,
        l.trim,
        l.vin,
        l.mileage,
        l.currentBidCents,
        l.auctionEndsAt.getTime(),
        l.city,
        l.state,
        l.zip,
        l.listingUrl,
        l.titleStatus,
        l.description,
        l.buyerPremiumPct,
        l.docFeeCents,
        l.latitude ?? null,
        l.longitude ?? null,
        // Only when present, so listings without a seller keep the hash they were stored with.
        ...(l.sellerName ? [l.sellerName] : []),
      ]),
    )
    .digest('base64url');
}

/** The columns a stored listing's identity, vehicle, mileage and bid are read from. */
export const LISTING_CORE_COLUMNS = [
  'source',
  'lot_id',
  'title',
  'year',
  'make',
  'model',
  'trim',
  'vin',
  'mileage',
  'current_bid_cents',
  'title_status',
] as const satisfies ReadonlyArray<keyof ListingRow>;
type ListingCoreRow = Pick<ListingRow, (typeof LISTING_CORE_COLUMNS)[number]>;
export type ListingCore = Pick<
  ListingInput,
  'source' | 'lotId' | 'title' | 'year' | 'make' | 'model' | 'trim' | 'vin' | 'mileage' | 'currentBidCents' | 'titleStatus'
>;

/** A listing's core from those columns alone (what anomaly detection reads of its stored peers). */
export function listingCoreFromRow(r: ListingCoreRow): ListingCore {
  return {
    source: r.source,
    lotId: r.lot_id,
    title: r.title,
    year: r.year,
    make: r.make,
    model: r.model,
    trim: r.trim,
    vin: r.vin,
    mileage: r.mileage,
    currentBidCents: Number(r.current_bid_cents),
    titleStatus: r.title_status as TitleStatus,
  };
}

export function listingFromRow(r: ListingRow): ListingInput {
  return {
    ...listingCoreFromRow(r),
    auctionEndsAt: new Date(Number(r.auction_end_ms)),
    city: r.city,
    state: r.state,
    zip: r.zip,
    listingUrl: r.listing_url,
    description: r.description,
    buyerPremiumPct: r.buyer_premium_bp === null ? null : r.buyer_premium_bp / 100,
    docFeeCents: r.doc_fee_cents === null ? null : Number(r.doc_fee_cents),
    latitude: r.latitude,
    longitude: r.longitude,
    sellerName: r.seller_name ?? null,
  };
}

function listingValues(db: Db, l: ListingInput, hash: string, opts: StoreOptions): NewListing {
  return {
    source: l.source,
    lot_id: l.lotId,
    title: l.title,
    year: l.year,
    make: l.make,
    model: l.model,
    trim: l.trim,
    vin: l.vin,
    mileage: l.mileage,
    current_bid_cents: l.currentBidCents,
    auction_end_ms: l.auctionEndsAt.getTime(),
    city: l.city,
    state: l.state,
    zip: l.zip,
    listing_url: l.listingUrl,
    title_status: l.titleStatus,
    description: l.description,
    buyer_premium_bp: l.buyerPremiumPct === null ? null : Math.round(l.buyerPremiumPct * 100),
    doc_fee_cents: l.docFeeCents,
    latitude: l.latitude ?? null,
    longitude: l.longitude ?? null,
    seller_name: l.sellerName ?? null,
    content_hash: hash,
    origin: opts.origin,
    is_sample: dbBool(db, opts.isSample),
    is_active: dbBool(db, true),
    created_at: opts.now,
    updated_at: opts.now,
  };
}

/**
 * The opportunity row of a listing. A listing with an open flag ranks after every unflagged one
 * (rank tier 1) and is never hot; an auction that has ended is stored as ended, out of the lists.
 */
export function opportunityValues(db: Db, listingId: number, l: ListingInput, opts: StoreOptions): NewOpportunity {
  const flagged = opts.hasOpenAnomaly?.(l) ?? false;
  const a = appraise(l, opts.comps.for(l.make, l.model), opts.params, { now: new Date(opts.now), hasOpenAnomaly: flagged });
  const ended = l.auctionEndsAt.getTime() <= opts.now;
  const v = l.vehicle;
  return {
    listing_id: listingId,
    source: l.source,
    lot_id: l.lotId,
    vin: l.vin,
    year: l.year,
    make: l.make,
    model: l.model,
    make_key: matchKey(l.make),
    model_key: matchKey(l.model),
    trim: l.trim,
    mileage: l.mileage,
    title_status: l.titleStatus,
    listing_url: l.listingUrl,
    city: l.city,
    state: l.state,
    zip: l.zip,
    auction_end_ms: l.auctionEndsAt.getTime(),
    current_bid_cents: l.currentBidCents,
    buyer_premium_cents: a.costs.buyerPremiumCents,
    doc_fee_cents: a.costs.docFeeCents,
    transport_cents: a.costs.transportCents,
    recon_cents: a.costs.reconCents,
    total_cost_cents: a.costs.totalCents,
    estimate_cents: a.valuation.estimateCents,
    value_low_cents: a.valuation.lowCents,
    value_high_cents: a.valuation.highCents,
    valuation_method: a.valuation.method,
    sample_size: a.valuation.sampleSize,
    profit_cents: a.profitCents,
    roi_bp: a.roiBp,
    margin_bp: a.marginBp,
    confidence: a.confidence,
    risk_score: a.riskScore,
    score: a.score,
    status: ended ? 'ended' : a.status,
    anomalies_json: JSON.stringify(opts.anomaliesFor?.(l) ?? []),
    assumptions_json: JSON.stringify(a.assumptions),
    is_sample: dbBool(db, opts.isSample),
    transport_miles: a.transportMiles,
    comparables_json: JSON.stringify(a.valuation.comparables ?? []),
    vehicle_json: v
      ? JSON.stringify({
          make: v.make,
          model: v.model,
          series: v.series,
          trim: v.trim,
          bodyClass: v.bodyClass,
          driveType: v.driveType,
          engine: v.engine,
          fuelType: v.fuelType,
          gvwr: v.gvwr,
          vehicleType: v.vehicleType,
          decoder: v.decoder,
        })
      : null,
    rank_tier: flagged ? 1 : 0,
    bid_ceiling_cents: a.bidCeilingCents,
    is_active: dbBool(db, !ended),
    created_at: opts.now,
    updated_at: opts.now,
  };
}

// Rows per statement: upsertRowsPerStatement (200 on SQLite, a transaction's rows on PostgreSQL).
// Rows per transaction: a commit writes every page the transaction dirtied, and the opportunities
// table's sort indexes spread 200 rows over most of their pages, so committing every 1,000 rows
// writes each dirtied index page once instead of five times.
const TRANSACTION_ROWS = 1000;

/** PostgreSQL deadlock and serialization failures: the transaction did nothing and may be retried. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/**
 * Runs a writing transaction again, up to three attempts in all, when PostgreSQL chose it as a
 * deadlock or serialization victim (it then wrote nothing). `fn` must build its result afresh.
 */
export function retryingConflicts<T>(fn: () => Promise<T>): Promise<T> {
  return withRetries({ attempts: ATTEMPTS, retryOn: (err) => RETRYABLE.has(String((err as { code?: unknown }).code)) }, fn);
}

/** A stored listing's identity, its source and lot, as one map key. */
const lotKey = (source: string, lotId: string): string => `${source}\u0000${lotId}`;

/** Upserts listings (later duplicates in `listings` win) and their opportunities. */
export async function storeListings(
  db: Db,
  listings: ListingInput[],
  opts: StoreOptions,
  onProgress?: (done: number) => void,
): Promise<StoreResult> {
  const result: StoreResult = { created: 0, updated: 0, unchanged: 0, changedListingIds: [], replacedVins: [] };
  const dedup = new Map<string, ListingInput>();
  for (const l of listings) dedup.set(lotKey(l.source, l.lotId), l);
  // Every importer locks rows in the same (source, lot) order, so two workers importing
  // overlapping lots queue behind each other instead of deadlocking.
  const unique = [...dedup.entries()].sort(([a], [b]) => byCodeUnit(a, b)).map(([, l]) => l);
  for (let i = 0; i < unique.length; i += TRANSACTION_ROWS) {
    const rows = unique.slice(i, i + TRANSACTION_ROWS);
    // A failed transaction left nothing behind, so each attempt counts into a fresh part.
    const part = await retryingConflicts(async () => {
      const p: StoreResult = { created: 0, updated: 0, unchanged: 0, changedListingIds: [], replacedVins: [] };
      await db.kysely.transaction().execute(async (trx) => {
        const opportunities: NewOpportunity[] = [];
        const chunk = upsertRowsPerStatement(db.dialect);
        for (let j = 0; j < rows.length; j += chunk) await storeChunk(db, trx, rows.slice(j, j + chunk), opts, p, opportunities);
        const ordered = inWriteOrder(db, opportunities);
        for (let j = 0; j < ordered.length; j += chunk) await upsertOpportunities(db, trx, ordered.slice(j, j + chunk));
      });
      return p;
    });
    result.created += part.created;
    result.updated += part.updated;
    result.unchanged += part.unchanged;
    result.changedListingIds.push(...part.changedListingIds);
    result.replacedVins.push(...part.replacedVins);
    onProgress?.(Math.min(i + TRANSACTION_ROWS, unique.length));
  }
  return result;
}

/** The stored rows of a chunk's lots, by lot within each source (storage's lookupByGroup). */
async function existingListings(trx: Kysely<Database>, dialect: Db['dialect'], chunk: ListingInput[]) {
  return lookupByGroup(
    dialect,
    chunk.map((l) => [l.source, l.lotId] as const),
    (source, lots) =>
      trx
        .selectFrom('listings')
        .select(['id', 'source', 'lot_id', 'content_hash', 'vin'])
        .where('source', '=', source)
        .where('lot_id', 'in', lots),
  );
}

// A stored listing keeps its id, key and first-seen time; every other column takes the import's.
const LISTINGS_UPSERT: UpsertShape = {
  table: 'listings',
  conflict: ['source', 'lot_id'],
  keep: ['created_at', 'is_sample'],
  returning: ['id', 'source', 'lot_id'],
  returnInserted: true,
};
const OPPORTUNITIES_UPSERT: UpsertShape = { table: 'opportunities', conflict: ['listing_id'], keep: ['created_at'] };

/**
 * A transaction's opportunities in the order they are written. On SQLite, by make and state:
 * eleven of the table's indexes lead with the make (five of them then the state), and a
 * transaction's rows in that order walk those indexes' pages once, in key order, where the lots'
 * order sent row after row to another page, out of a 4 MB page cache that cannot hold all 24
 * indexes. In the benchmark's 20,000-listing import the opportunities upsert took 0.86–1.09 s
 * against 1.33–1.77 s (three alternated pairs). PostgreSQL keeps the lots' order: concurrent
 * imports lock opportunities in it, and two imports holding different makes for one lot would
 * not agree on a make order.
 */
function inWriteOrder(db: Db, rows: NewOpportunity[]): NewOpportunity[] {
  if (db.dialect !== 'sqlite') return rows;
  return rows.sort((a, b) => byCodeUnit(a.make_key, b.make_key) || byCodeUnit(a.state, b.state) || a.listing_id - b.listing_id);
}

/** Upserts a chunk's listings and appraises them; their opportunities go to `opportunities`, written once the transaction's listings are. */
async function storeChunk(
  db: Db,
  trx: Kysely<Database>,
  chunk: ListingInput[],
  opts: StoreOptions,
  result: StoreResult,
  opportunities: NewOpportunity[],
): Promise<void> {
  const existing = await existingListings(trx, db.dialect, chunk);
  const known = new Map(existing.map((r) => [lotKey(r.source, r.lot_id), r]));
  const toWrite: Array<{ l: ListingInput; hash: string; isNew: boolean }> = [];
  for (const l of chunk) {
    const hash = storedHash(l, opts);
    const prior = known.get(lotKey(l.source, l.lotId));
    if (prior && prior.content_hash === hash) result.unchanged++;
    else toWrite.push({ l, hash, isNew: !prior });
    if (prior?.vin && prior.vin !== l.vin) result.replacedVins.push(prior.vin);
  }
  if (toWrite.length === 0) return;
  const ids = await bulkUpsert<{ id: number | string; source: string; lot_id: string; inserted?: boolean }>(
    trx,
    db,
    LISTINGS_UPSERT,
    toWrite.map((w) => listingValues(db, w.l, w.hash, opts)),
  );
  const idOf = new Map(ids.map((r) => [lotKey(r.source, r.lot_id), Number(r.id)]));
  // On PostgreSQL another import may have stored a lot since the lookup above: the upsert says
  // which rows it inserted, so each lot counts as created by one import only.
  const inserted = db.dialect === 'postgres' ? new Set(ids.filter((r) => r.inserted).map((r) => lotKey(r.source, r.lot_id))) : null;
  for (const w of toWrite) {
    const key = lotKey(w.l.source, w.l.lotId);
    const id = idOf.get(key) as number;
    opportunities.push(opportunityValues(db, id, w.l, opts));
    if (inserted ? inserted.has(key) : w.isNew) result.created++;
    else result.updated++;
    result.changedListingIds.push(id);
  }
}

/**
 * Insert or refresh opportunities; created_at survives an update so keyset walks stay stable.
 * Must run inside a transaction (the change number's lock lasts until it commits); the rows carry
 * the transaction's change number.
 */
export async function upsertOpportunities(db: Db, trx: Kysely<Database>, rows: NewOpportunity[]): Promise<void> {
  if (rows.length === 0) return;
  const seq = await nextChangeSeq(trx);
  await bulkUpsert(
    trx,
    db,
    OPPORTUNITIES_UPSERT,
    rows.map((o) => ({ ...o, change_seq: seq })),
  );
}
