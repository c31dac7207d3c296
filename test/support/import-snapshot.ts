// What a listing import stored, compared between two databases: the pipeline as it was before
// streaming (the file parsed whole, one batch) against a streamed import of the same file.
import { expect } from 'vitest';
import type { ArbitrageParams } from '../../src/config/arbitrage.js';
import { parseListingFeed } from '../../src/ingest/feed.js';
import { feedOrigins } from '../../src/ingest/feed-origin.js';
import { ingestListings } from '../../src/ingest/import-service.js';
import type { ImportSummary } from '../../src/ingest/import-records.js';
import type { Db } from '../../src/storage/index.js';

/** The pipeline as it was before streaming: the file parsed whole and passed as one batch. */
export async function wholeFileImportAt(db: Db, content: Buffer, now: number, params: ArbitrageParams) {
  const parsed = parseListingFeed(content, 'csv', { now: new Date(now) });
  const origins = feedOrigins(content, 'feed.csv', new Date(now), parsed.accepted);
  const summary = await ingestListings(
    db,
    { ...parsed, accepted: parsed.accepted.map((a, i) => ({ ...a, origin: origins[i] })) },
    { origin: 'feed.csv', now, params },
  );
  return { ...summary, superseded: parsed.superseded.length };
}

/** Rows in one of the tables an import writes. */
export async function rowCount(db: Db, table: 'listings' | 'imports'): Promise<number> {
  const n = await db.kysely
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n.n);
}

/**
 * Every table an import writes, keyed by lot, without surrogate ids, wall-clock stamps and change
 * numbers (one per storage transaction, so they follow how the rows were batched).
 */
export async function snapshot(db: Db) {
  // Anomaly ids also appear inside an opportunity's anomalies_json: with two batches in flight
  // they follow which batch's detections committed first.
  const strip = (r: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(r)
        .filter(([k]) => !/(^id$|_id$|finished_at|^change_seq$)/.test(k) || k === 'lot_id')
        .map(([k, v]) => [k, k === 'anomalies_json' && typeof v === 'string' ? v.replace(/"id":\d+/g, '"id":0') : v]),
    );
  const sorted = (rows: Array<Record<string, unknown>>) => rows.map(strip).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  const k = db.kysely;
  return {
    listings: sorted(await k.selectFrom('listings').selectAll().execute()),
    opportunities: sorted(await k.selectFrom('opportunities').selectAll().execute()),
    provenance: sorted(await k.selectFrom('quality_provenance').selectAll().execute()),
    anomalies: sorted(await k.selectFrom('quality_anomalies').selectAll().execute()),
    quarantine: sorted(await k.selectFrom('quality_quarantine').selectAll().execute()),
    contractRuns: sorted(await k.selectFrom('quality_contract_runs').selectAll().execute()),
    rejects: sorted(await k.selectFrom('import_rejects').selectAll().execute()),
  };
}

/**
 * The streamed import's summary (all but its import id) and every table equal the whole-file
 * pipeline's; answers the streamed store's snapshot.
 */
export async function expectSameImport(wholeDb: Db, whole: ImportSummary, streamedDb: Db, streamed: ImportSummary) {
  const { importId: _a, ...wa } = whole;
  const { importId: _b, ...sa } = streamed;
  expect(sa).toEqual(wa);
  const got = await snapshot(streamedDb);
  expect(got).toEqual(await snapshot(wholeDb));
  return got;
}
