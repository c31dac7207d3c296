// Anomaly flags in storage: one row per listing and kind. Flags are never deleted: a kind that no
// longer fires is `resolved`, and an operator's `false_positive` or `confirmed` verdict survives
// re-detection, so a listing an operator cleared stays cleared.
import { sql, type Insertable, type Kysely } from 'kysely';
import {
  atomicWrite,
  bulkUpsert,
  dbBool,
  inList,
  lookupKeysPerStatement,
  upsertRowsPerStatement,
  type Database,
  type Db,
  type ListingRow,
  type UpsertShape,
  valuesTable,
} from '../../storage/index.js';
import type { ListingInput } from '../../opportunities/index.js';
import { familyOf, LISTING_CORE_COLUMNS, listingCoreFromRow, makeSpellings } from '../../opportunities/index.js';
import { listingKey, peerFeature, type DetectedAnomaly, type PeerListing } from './detector.js';
import type { PeerFile } from './peer-file.js';
import type { ArbitrageParams } from '../../config/index.js';
import type { QualityAnomaliesTable } from '../storage/tables.js';
import { inKeyOrder } from '../../common/compare.js';

export type AnomalyStatus = 'open' | 'false_positive' | 'confirmed' | 'resolved';

/** What the opportunity's `anomalies` array shows. */
export interface AnomalyView {
  id: number;
  kind: string;
  detail: string;
  status: AnomalyStatus;
  detectedAt: string;
}

/** Open and confirmed flags keep a listing from being hot; false positives do not. */
export const blocksHot = (views: readonly AnomalyView[]) => views.some((v) => v.status === 'open' || v.status === 'confirmed');

const CHUNK = 300;
function chunks<T>(xs: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

// Rows of the make query read at a time: a store of hundreds of thousands of listings of one make
// is read in pages, never whole.
const POPULATION_PAGE = 1000;

// The columns a stored listing's peer feature needs, and the id pages are read by. Whole rows
// carried each listing's description and every other column across for nothing.
const PEER_COLUMNS = ['id', ...LISTING_CORE_COLUMNS, 'auction_end_ms'] as const;
type PeerRow = Pick<ListingRow, (typeof PEER_COLUMNS)[number]>;

/** A stored peer with its auction's end, which decides whether its VIN is still held (peerFeature). */
const peerFromRow = (r: PeerRow): PeerListing => ({ ...listingCoreFromRow(r), auctionEndsAt: new Date(Number(r.auction_end_ms)) });

/** Active listings whose make is one of `makes` (lower-cased spellings), in id order, a page at a time. */
async function* activeListingsOfMakes(db: Db, makes: readonly string[]): AsyncGenerator<PeerRow[]> {
  for (const part of chunks(makes)) {
    for (let after = 0; ;) {
      const rows = await db.kysely
        .selectFrom('listings')
        .select(PEER_COLUMNS)
        .where('is_active', '=', dbBool(db, true))
        .where((eb) => eb.fn('lower', [eb.ref('make')]), 'in', part)
        .where('id', '>', after)
        .orderBy('id')
        .limit(POPULATION_PAGE)
        .execute();
      if (rows.length === 0) break;
      yield rows;
      after = Number(rows[rows.length - 1]!.id);
    }
  }
}

async function activeListingsWithVins(db: Db, vins: readonly string[]): Promise<PeerRow[]> {
  return db.kysely.selectFrom('listings').select(PEER_COLUMNS).where('is_active', '=', dbBool(db, true)).where('vin', 'in', vins).execute();
}

/** The live holders of each VIN (active listings whose auction has not ended by `now`), oldest first. */
export async function liveVinHolders(
  db: Db,
  vins: readonly string[],
  now: number,
): Promise<Map<string, Array<{ id: number; source: string; lotId: string }>>> {
  const out = new Map<string, Array<{ id: number; source: string; lotId: string }>>();
  for (const part of chunks(vins)) {
    for (const r of await activeListingsWithVins(db, part)) {
      if (Number(r.auction_end_ms) <= now) continue;
      const list = out.get(r.vin as string) ?? [];
      list.push({ id: Number(r.id), source: r.source, lotId: r.lot_id });
      out.set(r.vin as string, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.id - b.id);
  return out;
}

/** Active listings sharing a model family with the batch: peers for cohorts and duplicated VINs. */
export async function loadPopulation(
  db: Db,
  batch: readonly ListingInput[],
  aliases: Readonly<Record<string, string>> = {},
): Promise<PeerListing[]> {
  const pairs = new Set(batch.map((l) => familyOf(l.make, l.model, aliases).key));
  const makes = [...new Set(batch.flatMap((l) => makeSpellings(l.make)))];
  const out: PeerListing[] = [];
  for await (const rows of activeListingsOfMakes(db, makes))
    for (const r of rows) if (pairs.has(familyOf(r.make, r.model, aliases).key)) out.push(peerFromRow(r));
  // Listings whose VIN is in the batch, whatever their make: a VIN on a different model is worse.
  const vins = [...new Set(batch.map((l) => l.vin).filter((v): v is string => !!v))];
  const seen = new Set(out.map(listingKey));
  for (const part of chunks(vins)) {
    for (const r of await activeListingsWithVins(db, part)) {
      const l = peerFromRow(r);
      if (!seen.has(listingKey(l))) {
        seen.add(listingKey(l));
        out.push(l);
      }
    }
  }
  return out;
}

/**
 * loadPopulation for a whole streamed import, into its peer file: the same queries in the same
 * order, read before the import writes anything, without the import's own lots. `families` are
 * the file's makes and models (`PeerFile.families`). `afterPage` is called after each page of
 * stored listings has gone into the file.
 */
export async function loadPopulationInto(
  db: Db,
  file: PeerFile,
  families: ReadonlyArray<{ make: string; model: string }>,
  params: ArbitrageParams,
  now: number,
  inImport: (key: string) => boolean,
  afterPage?: () => void,
): Promise<void> {
  const aliases = params.valuation.modelFamilies;
  const pairs = new Set<string>();
  const makes = new Set<string>();
  for (const { make, model } of families) {
    pairs.add(familyOf(make, model, aliases).key);
    for (const m of makeSpellings(make)) makes.add(m);
  }
  // A listing the import names is not its own peer: its row in the file stands for it.
  const outside = (rows: readonly PeerRow[]) =>
    rows.map(peerFromRow).flatMap((l) => (inImport(listingKey(l)) ? [] : [peerFeature(l, params, now)]));
  // Each page is garbage once it is in the file. A store of 120 k listings is 120 pages with no
  // batch boundary between them: the heap grew from 31 to 112 MB of promoted pages before V8
  // compacted, and the import's peak RSS passed 200 MB in about half the runs. `afterPage` lets
  // the caller's heap ceiling collect between pages as it does between batches.
  for await (const rows of activeListingsOfMakes(db, [...makes])) {
    file.addPopulation(outside(rows.filter((r) => pairs.has(familyOf(r.make, r.model, aliases).key))));
    afterPage?.();
  }
  for (const part of file.vinChunks(CHUNK)) {
    file.addPopulation(outside(await activeListingsWithVins(db, part)));
    afterPage?.();
  }
}

type NewAnomaly = Insertable<QualityAnomaliesTable>;
type Row = { id: number; source: string; lot_id: string; kind: string; detail: string; status: string; detected_at: number };

async function rowsFor(db: Db, keys: ReadonlyArray<{ source: string; lotId: string }>): Promise<Map<string, Row[]>> {
  const wanted = new Set(keys.map(listingKey));
  const by = new Map<string, Row[]>();
  for (const part of chunks([...new Set(keys.map((k) => k.lotId))], lookupKeysPerStatement(db.dialect))) {
    const rows = await db.kysely
      .selectFrom('quality_anomalies')
      .select(['id', 'source', 'lot_id', 'kind', 'detail', 'status', 'detected_at'])
      .where('lot_id', 'in', inList(part))
      .execute();
    for (const r of rows) {
      const k = listingKey({ source: r.source, lotId: r.lot_id });
      if (!wanted.has(k)) continue;
      by.set(k, [...(by.get(k) ?? []), { ...r, id: Number(r.id), detected_at: Number(r.detected_at) }]);
    }
  }
  return by;
}

const toView = (r: Row): AnomalyView => ({
  id: r.id,
  kind: r.kind,
  detail: r.detail,
  status: r.status as AnomalyStatus,
  detectedAt: new Date(r.detected_at).toISOString(),
});

/** Current flags (all but resolved) per listing key. */
export async function anomalyViews(db: Db, keys: ReadonlyArray<{ source: string; lotId: string }>): Promise<Map<string, AnomalyView[]>> {
  const out = new Map<string, AnomalyView[]>();
  for (const [k, rows] of await rowsFor(db, keys)) {
    const views = rows
      .filter((r) => r.status !== 'resolved')
      .sort((a, b) => a.id - b.id)
      .map(toView);
    if (views.length) out.set(k, views);
  }
  return out;
}

/**
 * New flags, a few hundred to a statement. Another import of the same lot (a second worker) may
 * have flagged it since the caller read its flags: the row is merged as a re-detection would
 * merge it (a resolved flag reopens, a verdict stays), rather than failing the run.
 */
async function insertFlags(trx: Kysely<Database>, rows: readonly NewAnomaly[], now: number): Promise<void> {
  for (const part of chunks(rows)) {
    await trx
      .insertInto('quality_anomalies')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['source', 'lot_id', 'kind']).doUpdateSet((eb) => ({
          detail: eb.ref('excluded.detail'),
          status: sql<string>`CASE WHEN quality_anomalies.status = 'resolved' THEN 'open' ELSE quality_anomalies.status END`,
          updated_at: now,
        })),
      )
      .execute();
  }
}

/**
 * When each lot was last checked: a row per lot of every batch, so written as bulkUpsert writes
 * the listings (Kysely's builder compiled every value of them into its operation tree).
 */
const CHECKS_UPSERT: UpsertShape = { table: 'quality_anomaly_checks', conflict: ['source', 'lot_id'] };

/** Writes this detection run for the checked listings and returns their current flags. */
export async function recordDetections(
  db: Db,
  given: readonly ListingInput[],
  found: Map<string, DetectedAnomaly[]>,
  now: number,
): Promise<Map<string, AnomalyView[]>> {
  // Written in lot order. PostgreSQL locks a statement's rows in the order it gives them, so two
  // imports of overlapping lots met in different orders (two files, a feed and a scrape) deadlocked
  // and one import failed; in one order they queue.
  const checked = inKeyOrder(given, listingKey);
  const existing = await rowsFor(db, checked);
  await db.kysely.transaction().execute(async (trx) => {
    // New flags go in a few hundred to a statement: one statement each was a round trip per flag,
    // 17,000 of them for a file of relisted vehicles. One row per lot and kind; a later detection
    // of the same one wins, as it would have one statement after another.
    const fresh = new Map<string, NewAnomaly>();
    for (const l of checked) {
      const k = listingKey(l);
      const prior = new Map((existing.get(k) ?? []).map((r) => [r.kind, r]));
      for (const a of found.get(k) ?? []) {
        const p = prior.get(a.kind);
        prior.delete(a.kind);
        if (!p) {
          const row: NewAnomaly = {
            listing_id: null,
            source: l.source,
            lot_id: l.lotId,
            kind: a.kind,
            detail: a.detail,
            status: 'open',
            detected_at: now,
            updated_at: now,
            marked_by: null,
          };
          fresh.set(`${k}\u0000${a.kind}`, row);
        } else if (p.detail !== a.detail || p.status === 'resolved') {
          await trx
            .updateTable('quality_anomalies')
            .set({ detail: a.detail, status: p.status === 'resolved' ? 'open' : p.status, updated_at: now })
            .where('id', '=', p.id)
            .execute();
        }
      }
      const gone = [...prior.values()].filter((r) => r.status === 'open').map((r) => r.id);
      if (gone.length)
        await trx.updateTable('quality_anomalies').set({ status: 'resolved', updated_at: now }).where('id', 'in', gone).execute();
    }
    await insertFlags(trx, [...fresh.values()], now);
    for (const part of chunks(checked, upsertRowsPerStatement(db.dialect)))
      await bulkUpsert(
        trx,
        db,
        CHECKS_UPSERT,
        part.map((l) => ({ source: l.source, lot_id: l.lotId, checked_at: now })),
      );
  });
  return anomalyViews(db, checked);
}

/** A stored listing's wanted duplicate_vin flag: its text, or null when no other live listing holds its VIN. */
export interface DuplicateVinState {
  listingId: number;
  source: string;
  lotId: string;
  detail: string | null;
}

/**
 * Sets stored listings' duplicate_vin flags to what the live holders of their VINs say now:
 * opened (or reopened) with the current text, or resolved when no other live listing holds the
 * VIN. An operator's verdict (false positive, confirmed) keeps its status; only its text follows.
 * Answers the ids of the listings whose flags changed, for re-appraisal.
 */
export async function writeDuplicateVinFlags(db: Db, wanted: readonly DuplicateVinState[], now: number): Promise<number[]> {
  if (wanted.length === 0) return [];
  const existing = await rowsFor(db, wanted);
  const changed: number[] = [];
  await db.kysely.transaction().execute(async (trx) => {
    const fresh: NewAnomaly[] = [];
    for (const w of wanted) {
      const row = (existing.get(listingKey(w)) ?? []).find((r) => r.kind === 'duplicate_vin');
      if (w.detail === null) {
        if (row?.status !== 'open') continue;
        await trx.updateTable('quality_anomalies').set({ status: 'resolved', updated_at: now }).where('id', '=', row.id).execute();
      } else if (row === undefined) {
        fresh.push({
          listing_id: w.listingId,
          source: w.source,
          lot_id: w.lotId,
          kind: 'duplicate_vin',
          detail: w.detail,
          status: 'open',
          detected_at: now,
          updated_at: now,
          marked_by: null,
        });
      } else if (row.status === 'resolved' || row.detail !== w.detail) {
        await trx
          .updateTable('quality_anomalies')
          .set({ detail: w.detail, status: row.status === 'resolved' ? 'open' : row.status, updated_at: now })
          .where('id', '=', row.id)
          .execute();
      } else continue;
      changed.push(w.listingId);
    }
    await insertFlags(trx, fresh, now);
  });
  return changed;
}

/** Links flags to their stored listing, for listing-based lookups and joins. */
export async function linkAnomaliesToListings(db: Db, ids: ReadonlyMap<string, number>, keys: Iterable<string>): Promise<void> {
  const links: Array<[source: string, lotId: string, id: number]> = [];
  for (const k of keys) {
    const id = ids.get(k);
    if (id === undefined) continue;
    const [source, lotId] = k.split('\u0000') as [string, string];
    links.push([source, lotId, id]);
  }
  if (links.length === 0) return;
  // Hundreds of links to a statement, together atomic. A statement per listing, each its own
  // commit, was 17,000 commits for a file of relisted vehicles (0.6 s of SQLite's time alone).
  // Rows already linked to their listing are left unwritten.
  const parts = chunks(links, lookupKeysPerStatement(db.dialect));
  await atomicWrite(db, parts.length, async (trx) => {
    for (const part of parts) {
      await sql`UPDATE quality_anomalies SET listing_id = v.column3 FROM ${valuesTable(part, [2])}
        WHERE quality_anomalies.source = v.column1 AND quality_anomalies.lot_id = v.column2
          AND (quality_anomalies.listing_id IS NULL OR quality_anomalies.listing_id <> v.column3)`.execute(trx);
    }
  });
}
