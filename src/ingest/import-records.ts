// The import's own records: the `imports` row every import opens and closes, its rejected rows,
// and the options and summary both the whole-batch and the streamed feed import share.
import type { ArbitrageParams } from '../config/index.js';
import type { StoreOptions } from '../opportunities/index.js';
import type { QualityFlags, QualitySummary, RejectedRow, VinDecoder } from '../quality/index.js';
import type { Db } from '../storage/index.js';
import type { SnapshotSink } from './evidence-sink.js';

export interface ImportSummary {
  importId: number;
  rows: number;
  accepted: number;
  rejected: RejectedRow[];
  created: number;
  updated: number;
  unchanged: number;
  dataVersion: number | null;
  /** Rows a later row of the same lot replaced in the file (the last one wins); not in `rows`. */
  superseded?: number;
  /** Contract, anomaly and provenance outcome (quality capability). */
  quality?: QualitySummary;
}

export interface ImportOptions {
  origin: string;
  isSample?: boolean;
  now: number;
  params: ArbitrageParams;
  onProgress?: (done: number, total: number) => void;
  hasOpenAnomaly?: StoreOptions['hasOpenAnomaly'];
  /** Feature flags, read per import; without them the built-in defaults apply. */
  flags?: QualityFlags;
  /** The VIN decoder; the process's shared one by default, null to decode nothing. */
  vinDecoder?: VinDecoder | null;
  /** Keeps the uploaded feed file as evidence under the hash its provenance names. */
  snapshots?: SnapshotSink | null;
}

export async function openImport(db: Db, kind: string, origin: string, now: number): Promise<number> {
  const row = await db.kysely
    .insertInto('imports')
    .values({ kind, origin, started_at: now, status: 'running', accepted: 0, rejected: 0, created: 0, updated: 0, unchanged: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function recordRejects(
  db: Db,
  importId: number,
  kind: string,
  origin: string,
  now: number,
  rejects: RejectedRow[],
): Promise<void> {
  for (let i = 0; i < rejects.length; i += 200) {
    await db.kysely
      .insertInto('import_rejects')
      .values(
        rejects.slice(i, i + 200).map((r) => ({
          import_id: importId,
          kind,
          origin,
          row_number: r.row,
          source: r.source ?? null,
          lot_id: r.lotId,
          reason: r.reason,
          raw_json: JSON.stringify(r.raw).slice(0, 20_000),
          created_at: now,
        })),
      )
      .execute();
  }
}

export async function closeImport(
  db: Db,
  importId: number,
  counts: { accepted: number; rejected: number; created: number; updated: number; unchanged: number },
): Promise<void> {
  await db.kysely
    .updateTable('imports')
    .set({ finished_at: Date.now(), status: 'done', ...counts })
    .where('id', '=', importId)
    .execute();
}

export async function failImport(db: Db, importId: number): Promise<void> {
  await db.kysely.updateTable('imports').set({ finished_at: Date.now(), status: 'failed' }).where('id', '=', importId).execute();
}
