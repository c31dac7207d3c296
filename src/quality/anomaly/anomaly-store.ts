// Anomaly flags in storage: one row per listing and kind. Flags are never deleted: a kind that no
// longer fires is `resolved`, and an operator's `false_positive` or `confirmed` verdict survives
// re-detection, so a listing an operator cleared stays cleared.
import { sql } from 'kysely';
import { dbBool, type Db } from '../../storage/index.js';
import type { ListingInput } from '../../opportunities/index.js';
import { familyOf, listingFromRow, makeSpellings } from '../../opportunities/index.js';
import { listingKey, peerFeature, type DetectedAnomaly, type PeerFeature } from './detector.js';
import type { ArbitrageParams } from '../../config/index.js';

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
function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** Active listings sharing a model family with the batch: peers for cohorts and duplicated VINs. */
export async function loadPopulation(
  db: Db,
  batch: readonly ListingInput[],
  aliases: Readonly<Record<string, string>> = {},
): Promise<ListingInput[]> {
  const pairs = new Set(batch.map((l) => familyOf(l.make, l.model, aliases).key));
  const makes = [...new Set(batch.flatMap((l) => makeSpellings(l.make)))];
  const out: ListingInput[] = [];
  for (const part of chunks(makes)) {
    const rows = await db.kysely
      .selectFrom('listings')
      .selectAll()
      .where('is_active', '=', dbBool(db, true))
      .where((eb) => eb.fn('lower', [eb.ref('make')]), 'in', part)
      .execute();
    for (const r of rows) if (pairs.has(familyOf(r.make, r.model, aliases).key)) out.push(listingFromRow(r));
  }
  // Listings whose VIN is in the batch, whatever their make: a VIN on a different model is worse.
  const vins = [...new Set(batch.map((l) => l.vin).filter((v): v is string => !!v))];
  const seen = new Set(out.map(listingKey));
  for (const part of chunks(vins)) {
    const rows = await db.kysely
      .selectFrom('listings')
      .selectAll()
      .where('is_active', '=', dbBool(db, true))
      .where('vin', 'in', part)
      .execute();
    for (const r of rows) {
      const l = listingFromRow(r);
      if (!seen.has(listingKey(l))) {
        seen.add(listingKey(l));
        out.push(l);
      }
    }
  }
  return out;
}

/** What a streamed import collects of its publishable rows to find their live peers. */
export interface PopulationWanted {
  makes: Set<string>;
  pairs: Set<string>;
  vins: Set<string>;
}

export function wantPopulationOf(w: PopulationWanted, l: ListingInput, aliases: Readonly<Record<string, string>>): void {
  w.pairs.add(familyOf(l.make, l.model, aliases).key);
  for (const m of makeSpellings(l.make)) w.makes.add(m);
  if (l.vin) w.vins.add(l.vin);
}

/**
 * loadPopulation for a whole streamed import, as peer features: the same queries in the same
 * order, read before the import writes anything, without the import's own lots.
 */
export async function loadPopulationFeatures(
  db: Db,
  w: PopulationWanted,
  params: ArbitrageParams,
  inImport: (key: string) => boolean,
): Promise<PeerFeature[]> {
  const aliases = params.valuation.modelFamilies;
  const out: PeerFeature[] = [];
  const seen = new Set<string>();
  for (const part of chunks([...w.makes])) {
    const rows = await db.kysely
      .selectFrom('listings')
      .selectAll()
      .where('is_active', '=', dbBool(db, true))
      .where((eb) => eb.fn('lower', [eb.ref('make')]), 'in', part)
      .execute();
    for (const r of rows) {
      if (!w.pairs.has(familyOf(r.make, r.model, aliases).key)) continue;
      const l = listingFromRow(r);
      seen.add(listingKey(l));
      if (!inImport(listingKey(l))) out.push(peerFeature(l, params));
    }
  }
  for (const part of chunks([...w.vins])) {
    const rows = await db.kysely
      .selectFrom('listings')
      .selectAll()
      .where('is_active', '=', dbBool(db, true))
      .where('vin', 'in', part)
      .execute();
    for (const r of rows) {
      const l = listingFromRow(r);
      if (seen.has(listingKey(l))) continue;
      seen.add(listingKey(l));
      if (!inImport(listingKey(l))) out.push(peerFeature(l, params));
    }
  }
  return out;
}

type Row = { id: number; source: string; lot_id: string; kind: string; detail: string; status: string; detected_at: number };

async function rowsFor(db: Db, keys: ReadonlyArray<{ source: string; lotId: string }>): Promise<Map<string, Row[]>> {
  const wanted = new Set(keys.map(listingKey));
  const by = new Map<string, Row[]>();
  for (const part of chunks([...new Set(keys.map((k) => k.lotId))])) {
    const rows = await db.kysely
      .selectFrom('quality_anomalies')
      .select(['id', 'source', 'lot_id', 'kind', 'detail', 'status', 'detected_at'])
      .where('lot_id', 'in', part)
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

/** Writes this detection run for the checked listings and returns their current flags. */
export async function recordDetections(
  db: Db,
  checked: readonly ListingInput[],
  found: Map<string, DetectedAnomaly[]>,
  now: number,
): Promise<Map<string, AnomalyView[]>> {
  const existing = await rowsFor(db, checked);
  await db.kysely.transaction().execute(async (trx) => {
    for (const l of checked) {
      const k = listingKey(l);
      const prior = new Map((existing.get(k) ?? []).map((r) => [r.kind, r]));
      for (const a of found.get(k) ?? []) {
        const p = prior.get(a.kind);
        prior.delete(a.kind);
        if (!p) {
          // Another import of the same lot (a second worker) may have flagged it since `existing`
          // was read: merge into its row as a re-detection would, rather than fail the run.
          await trx
            .insertInto('quality_anomalies')
            .values({
              listing_id: null,
              source: l.source,
              lot_id: l.lotId,
              kind: a.kind,
              detail: a.detail,
              status: 'open',
              detected_at: now,
              updated_at: now,
              marked_by: null,
            })
            .onConflict((oc) =>
              oc.columns(['source', 'lot_id', 'kind']).doUpdateSet({
                detail: a.detail,
                status: sql<string>`CASE WHEN quality_anomalies.status = 'resolved' THEN 'open' ELSE quality_anomalies.status END`,
                updated_at: now,
              }),
            )
            .execute();
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
    for (const part of chunks(checked)) {
      await trx
        .insertInto('quality_anomaly_checks')
        .values(part.map((l) => ({ source: l.source, lot_id: l.lotId, checked_at: now })))
        .onConflict((oc) => oc.columns(['source', 'lot_id']).doUpdateSet({ checked_at: now }))
        .execute();
    }
  });
  return anomalyViews(db, checked);
}

/** Links flags to their stored listing, for listing-based lookups and joins. */
export async function linkAnomaliesToListings(db: Db, ids: ReadonlyMap<string, number>, keys: Iterable<string>): Promise<void> {
  for (const k of keys) {
    const id = ids.get(k);
    if (id === undefined) continue;
    const [source, lotId] = k.split('\u0000') as [string, string];
    await db.kysely
      .updateTable('quality_anomalies')
      .set({ listing_id: id })
      .where('source', '=', source)
      .where('lot_id', '=', lotId)
      .where((eb) => eb.or([eb('listing_id', 'is', null), eb('listing_id', '!=', id)]))
      .execute();
  }
}
