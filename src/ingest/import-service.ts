// Feed and comps imports: parse, keep every bad row with its reason, store the good ones, and
// re-appraise what new comps affect. Re-running the same file changes nothing.
import { createHash } from 'node:crypto';
import {
  bumpCompsVersion,
  bumpDataVersion,
  engineFingerprint,
  familyOf,
  loadCompIndex,
  makeSpellings,
  matchKey,
  notifyDataVersion,
  readCompsVersion,
} from '../opportunities/index.js';
import type { Comp } from '../opportunities/index.js';
import { dbBool, type Db } from '../storage/index.js';
import { parseCompsFile } from './comps-file.js';
import { decodeAndStore, QualityStage, reappraiseRows } from '../quality/index.js';
import type { ListingBatch, RejectedRow } from '../quality/index.js';
import { importFeedSource } from './feed-import.js';
import { publishStage } from './publish-stage.js';
import {
  closeImport,
  failImport,
  openImport,
  recordRejects,
  rejectRecord,
  reportedReject,
  type ImportOptions,
  type ImportSummary,
} from './import-records.js';

// The pipeline's input types are quality's; re-exported for the readers that build them.
export type { ListingBatch, ListingOrigin, RejectedRow } from '../quality/index.js';
export type { ImportOptions, ImportSummary } from './import-records.js';

/** The summary both import surfaces (CLI `ingest --json` and `POST /admin/imports`) answer with. */
export function importSummaryBody(s: ImportSummary) {
  const q = s.quality;
  return {
    importId: s.importId,
    rows: s.rows,
    accepted: s.accepted,
    created: s.created,
    updated: s.updated,
    unchanged: s.unchanged,
    superseded: s.superseded ?? 0,
    rejected: s.rejected.map(reportedReject),
    quarantined: (q?.quarantinedRows ?? []).map((r) => ({ row: r.row, lotId: r.lotId, source: r.source, reasons: r.reasons })),
    flagged: q?.anomalous ?? 0,
    // Listings that were live and are not now: their update failed the contract (quarantine-store.ts).
    unpublished: q?.unpublished ?? 0,
    sanitized: q?.sanitized ?? 0,
    vinsDecoded: q?.vinsDecoded ?? 0,
  };
}

/** Exit status of an import: 0 every row published, 2 some row rejected or quarantined. */
export function importExitCode(s: ImportSummary): 0 | 2 {
  return s.rejected.length > 0 || (s.quality?.quarantined ?? 0) > 0 ? 2 : 0;
}

/** Imports a feed held in memory (an upload, a test); read and stored in bounded batches like a file. */
export async function importListingFeed(
  db: Db,
  content: string | Buffer,
  format: 'csv' | 'json',
  opts: ImportOptions,
): Promise<ImportSummary> {
  return importFeedSource(db, { bytes: content }, format, opts);
}

/** The one ingestion pipeline for feeds and scraped sources: rejects recorded, good rows stored. */
export async function ingestListings(db: Db, batch: ListingBatch, opts: ImportOptions): Promise<ImportSummary> {
  const importId = await openImport(db, 'listings', opts.origin, opts.now);
  try {
    await recordRejects(db, importId, 'listings', opts.origin, opts.now, batch.rejected.map(rejectRecord));
    const quality = await QualityStage.begin(db, batch, {
      importId,
      origin: opts.origin,
      now: opts.now,
      params: opts.params,
      flags: opts.flags,
      vinDecoder: opts.vinDecoder,
    });
    const makes = new Set(quality.publishable.map((a) => a.listing.make));
    const comps = await loadCompIndex(db, makes, opts.params.valuation.modelFamilies);
    const engineHash = engineFingerprint(opts.params, await readCompsVersion(db));
    const stored = await publishStage(db, quality, opts, { comps, engineHash }, opts.onProgress);
    const changed = stored.created + stored.updated + quality.summary.unpublished + quality.duplicatesSettled;
    const dataVersion = changed > 0 ? await bumpDataVersion(db, opts.now) : null;
    if (dataVersion !== null) notifyDataVersion(db, dataVersion);
    await closeImport(db, importId, {
      accepted: batch.accepted.length,
      rejected: batch.rejected.length,
      created: stored.created,
      updated: stored.updated,
      unchanged: stored.unchanged,
    });
    return {
      importId,
      rows: batch.accepted.length + batch.rejected.length,
      accepted: batch.accepted.length,
      rejected: batch.rejected.map(reportedReject),
      created: stored.created,
      updated: stored.updated,
      unchanged: stored.unchanged,
      dataVersion,
      quality: quality.summary,
    };
  } catch (err) {
    await failImport(db, importId);
    throw err;
  }
}

export interface CompsImportSummary {
  importId: number;
  rows: number;
  accepted: number;
  inserted: number;
  duplicates: number;
  rejected: RejectedRow[];
  recomputed: number;
}

function compDedupeKey(c: Comp): string {
  const parts =
    c.kind === 'sale'
      ? [
          c.kind,
          matchKey(c.make),
          matchKey(c.model),
          c.year,
          c.trim ?? '',
          c.mileage ?? '',
          c.priceCents,
          c.saleDate.getTime(),
          c.state ?? '',
        ]
      : [c.kind, matchKey(c.make), matchKey(c.model), c.year, c.trim ?? '', c.avgCents, c.lowCents, c.highCents, c.sampleSize];
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

export async function importCompsFile(db: Db, content: string | Buffer, opts: ImportOptions): Promise<CompsImportSummary> {
  const parsed = parseCompsFile(content, { now: new Date(opts.now) });
  const importId = await openImport(db, 'comps', opts.origin, opts.now);
  await recordRejects(
    db,
    importId,
    'comps',
    opts.origin,
    opts.now,
    parsed.rejected.map((r) => rejectRecord({ ...r, lotId: r.lotId ?? null })),
  );
  let inserted = 0;
  const touched = new Set<string>();
  const comps = parsed.accepted.map((a) => a.comp);
  // Decoded VINs tell a police unit sold as a plain "Explorer" from a civilian one.
  await decodeAndStore(
    db,
    comps.map((c) => (c.kind === 'sale' ? (c as { vin?: string | null }).vin : null)),
    { now: opts.now, decoder: opts.vinDecoder, everyVin: true },
  );
  for (let i = 0; i < comps.length; i += 200) {
    const rows = comps.slice(i, i + 200).map((c) => ({
      kind: c.kind,
      dedupe_key: compDedupeKey(c),
      vin: c.kind === 'sale' ? ((c as { vin?: string | null }).vin ?? null) : null,
      make: c.make,
      model: c.model,
      make_key: matchKey(c.make),
      model_key: matchKey(c.model),
      year: c.year,
      trim: c.trim,
      mileage: c.kind === 'sale' ? c.mileage : null,
      price_cents: c.kind === 'sale' ? c.priceCents : null,
      sale_date_ms: c.kind === 'sale' ? c.saleDate.getTime() : null,
      state: c.kind === 'sale' ? c.state : null,
      avg_cents: c.kind === 'market' ? c.avgCents : null,
      low_cents: c.kind === 'market' ? c.lowCents : null,
      high_cents: c.kind === 'market' ? c.highCents : null,
      sample_size: c.kind === 'market' ? c.sampleSize : 1,
      origin: opts.origin,
      is_sample: dbBool(db, opts.isSample ?? false),
      created_at: opts.now,
    }));
    const res = await db.kysely
      .insertInto('market_comps')
      .values(rows)
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning(['make', 'model'])
      .execute();
    inserted += res.length;
    for (const r of res) touched.add(familyOf(r.make, r.model, opts.params.valuation.modelFamilies).key);
    opts.onProgress?.(Math.min(i + 200, comps.length), comps.length);
  }
  if (inserted > 0) await bumpCompsVersion(db, opts.now);
  const recomputed = touched.size ? await recomputeOpportunities(db, { ...opts, families: touched }) : 0;
  await db.kysely
    .updateTable('imports')
    .set({
      finished_at: Date.now(),
      status: 'done',
      accepted: parsed.accepted.length,
      rejected: parsed.rejected.length,
      created: inserted,
      updated: recomputed,
      unchanged: parsed.accepted.length - inserted,
    })
    .where('id', '=', importId)
    .execute();
  return {
    importId,
    rows: parsed.accepted.length + parsed.rejected.length,
    accepted: parsed.accepted.length,
    inserted,
    duplicates: parsed.accepted.length - inserted,
    rejected: parsed.rejected.map((r) => ({ ...r, lotId: r.lotId ?? null })),
    recomputed,
  };
}

/**
 * Re-appraises active listings (optionally only those of some model families) after comps or
 * parameters change, and records the engine that priced them, so the next import of an unchanged
 * listing skips it again.
 */
export async function recomputeOpportunities(db: Db, opts: ImportOptions & { families?: Set<string> }): Promise<number> {
  const aliases = opts.params.valuation.modelFamilies;
  const familyMakes = opts.families ? [...new Set([...opts.families].map((k) => k.split('|')[0]))] : null;
  let q = db.kysely.selectFrom('listings').selectAll().where('is_active', '=', dbBool(db, true));
  if (familyMakes) q = q.where((eb) => eb.fn('lower', [eb.ref('make')]), 'in', [...new Set(familyMakes.flatMap(makeSpellings))]);
  const rows = (await q.orderBy('id').execute()).filter((r) => !opts.families || opts.families.has(familyOf(r.make, r.model, aliases).key));
  // Stored anomaly flags carry over, so a comps import never turns a flagged listing hot.
  return reappraiseRows(db, rows, {
    params: opts.params,
    now: opts.now,
    origin: opts.origin,
    anomalyDetection: opts.flags?.get('ENABLE_ANOMALY_DETECTION') ?? true,
    hasOpenAnomaly: opts.hasOpenAnomaly,
    onProgress: opts.onProgress,
  });
}
