// The import's own records: the `imports` row every import opens and closes, its rejected rows,
// and the options and summary both the whole-batch and the streamed feed import share.
import type { ArbitrageParams } from '../config/index.js';
import type { StoreOptions } from '../opportunities/index.js';
import type { QualityFlags, QualitySummary, RejectedRow, VinDecoder } from '../quality/index.js';
import { durableCommit, type Db } from '../storage/index.js';
import type { SnapshotSink } from './evidence-sink.js';

/**
 * A rejected row as an import's summary reports it: where it was and why. The row's own cells are
 * kept in the `import_rejects` table, not in the summary, which a file of any size has to fit in
 * memory.
 */
export type ReportedReject = Omit<RejectedRow, 'raw'>;

/** A rejected row as `import_rejects` keeps it: its cells as JSON, cut at 20,000 characters. */
export interface RejectRecord extends ReportedReject {
  rawJson: string;
}

/** Only the reported fields, whatever else the row carries (its cells, a CSV line). */
export function reportedReject(r: ReportedReject): ReportedReject {
  return { row: r.row, lotId: r.lotId, source: r.source ?? null, reason: r.reason };
}

export function rejectRecord(r: RejectedRow): RejectRecord {
  return { ...reportedReject(r), rawJson: JSON.stringify(r.raw).slice(0, 20_000) };
}

export interface ImportSummary {
  importId: number;
  rows: number;
  accepted: number;
  rejected: ReportedReject[];
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

/** Writes rejected rows in chunks as they come, so a streamed import's rejects need not be held at once. */
export async function recordRejects(
  db: Db,
  importId: number,
  kind: string,
  origin: string,
  now: number,
  rejects: Iterable<RejectRecord>,
): Promise<void> {
  let chunk: RejectRecord[] = [];
  const write = async () => {
    await db.kysely
      .insertInto('import_rejects')
      .values(
        chunk.map((r) => ({
          import_id: importId,
          kind,
          origin,
          row_number: r.row,
          source: r.source ?? null,
          lot_id: r.lotId,
          reason: r.reason,
          raw_json: r.rawJson,
          created_at: now,
        })),
      )
      .execute();
    chunk = [];
  };
  for (const r of rejects) {
    chunk.push(r);
    if (chunk.length === 200) await write();
  }
  if (chunk.length) await write();
}

export async function closeImport(
  db: Db,
  importId: number,
  counts: { accepted: number; rejected: number; created: number; updated: number; unchanged: number },
): Promise<void> {
  // Durable even on a connection that commits asynchronously: an import reported done is on disk,
  // and with it every batch it committed before.
  await durableCommit(db, (trx) =>
    trx
      .updateTable('imports')
      .set({ finished_at: Date.now(), status: 'done', ...counts })
      .where('id', '=', importId)
      .execute(),
  );
}

export async function failImport(db: Db, importId: number): Promise<void> {
  await db.kysely.updateTable('imports').set({ finished_at: Date.now(), status: 'failed' }).where('id', '=', importId).execute();
}
