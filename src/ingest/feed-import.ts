// A listing feed imported as a stream, in bounded batches. Two reads of the file:
//  1. survey — rows parsed, rejects kept, later rows of a lot found (the last good one wins), the
//     file hashed, and the contract-passing rows reduced to the few numbers anomaly detection
//     compares each listing with. Nothing is written but decoded VINs (a cache), so a file that
//     cannot be read (no header, not JSON) leaves the database as it was.
//  2. publish — the winning rows again, `batchRows` at a time through the same quality stage,
//     pricing and storage as a whole-file import, each batch compared with the whole file's peers,
//     so the stored rows, quarantine, flags and provenance are those of reading the file at once.
// What grows with the file is kept on disk (import-ledger.ts, the quality capability's PeerFile);
// memory holds a bit per row and the rows of the batches in flight, together one batch's worth
// (batch-window.ts).
import { readFile } from 'node:fs/promises';
import { analyzeStale, type Db } from '../storage/index.js';
import { bumpDataVersion, engineFingerprint, loadCompIndex, notifyDataVersion, readCompsVersion } from '../opportunities/index.js';
import {
  addQualitySummary,
  emptyQualitySummary,
  loadPopulationInto,
  peerFeature,
  countRejected,
  PeerFile,
  QualityStage,
  reconcileDuplicateVins,
  recordContractRun,
} from '../quality/index.js';
import type { StoreResult } from '../opportunities/index.js';
import { feedRowKey, type AcceptedListing, type FeedFormat } from './feed.js';
import { feedOriginsOf } from './feed-origin.js';
import { BatchWindow } from './batch-window.js';
import { publishStage } from './publish-stage.js';
import { keepStoredWhereAbsent } from './kept-fields.js';
import { ImportLedger, RowSet } from './import-ledger.js';
import { feedSize, privateFeedCopy, streamFeed, type FeedSource } from './feed-stream.js';
import {
  closeImport,
  failImport,
  openImport,
  recordRejects,
  type ImportOptions,
  type ImportSummary,
  type ReportedReject,
} from './import-records.js';

/** Rows the import holds at once: one batch, or as many smaller ones as are in flight. */
export const IMPORT_BATCH_ROWS = 1000;

/**
 * Batches a PostgreSQL import keeps in flight. With two, the import's own thread still sat idle
 * waiting on the server for a fifth of a profiled import. With three (334 rows each, the same rows
 * held), 20 alternated pairs of the benchmark's two imports were faster in 15: by 5 % on average
 * over the last twelve (14.4 against 15.1 s into an empty database, 15.4 against 16.3 s into the
 * store), for at most 3 % more of the server's CPU and no more memory (2026-12-07). Four were slower
 * than three in a first probe, with more of the server's CPU still.
 */
export const POSTGRES_BATCHES_IN_FLIGHT = 3;

/**
 * On a SQLite connection opened with write groups (the CLI's), the batches of about a second are
 * committed together (storage's `WriteGroups`): a page several batches change is then written to
 * the WAL once, not once a batch. Into a store of 120,000 listings a 20,000-listing import took a
 * median 9.43 s against 10.30 s (five alternated pairs, 2026-12-07). A time, not a count of
 * batches, bounds how long the import holds SQLite's write lock at a stretch, so another writer
 * waits about a second and a batch at most, well inside its five-second busy timeout, however slow
 * the batches of a large store become. docs/architecture.md, "A second of batches, one commit".
 */
export const WRITE_GROUP_MS = 1000;

/** Duplicated VINs an import holds before settling them (about 100 bytes each). */
const SETTLE_VINS_AT = 5000;

/**
 * The columns an import looks stored listings up by, batch after batch: their planner statistics
 * are refreshed, where autovacuum has not caught up with the last import, while the first read
 * runs (storage/planner-statistics.ts), when the server is otherwise nearly idle.
 */
const LOOKUP_STATISTICS = [{ table: 'listings', columns: ['source', 'lot_id', 'vin', 'is_active'] }] as const;

export interface StreamImportOptions extends ImportOptions {
  batchRows?: number;
  /** CSV text parsed at a time (tests make it small to cross many window boundaries). */
  windowChars?: number;
  /** Called with each batch's row count as it is taken in (tests check the bound). */
  onBatch?: (rows: number, pass: 'survey' | 'publish') => void;
  /**
   * The first read's progress: bytes of the feed read so far and its size, after each batch.
   * `onProgress` counts the second read's lots; the first can take a third of an import.
   */
  onSurveyProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Called after each batch is done with, when its rows are garbage (the CLI's heap ceiling). */
  afterBatch?: () => void;
  /**
   * Called between the two reads after each page of stored listings has gone into the peer file,
   * when the page is garbage (the CLI's heap ceiling: that stretch has no batch boundary).
   */
  afterPeerPage?: () => void;
  /**
   * Batches written at once: by default POSTGRES_BATCHES_IN_FLIGHT on PostgreSQL (some are
   * checked and priced while the server writes another) and 1 on SQLite, whose writes run on this
   * thread. Batches default to IMPORT_BATCH_ROWS divided among them.
   */
  batchesInFlight?: number;
  /** A monotonic clock, ms, for WRITE_GROUP_MS (tests pass their own). */
  elapsedMs?: () => number;
}

interface Survey {
  /** What the summary reports of each rejected row; the ledger keeps their cells. */
  rejected: ReportedReject[];
  /** The row that stands for each lot: the last one the file gives it. */
  winners: RowSet;
  /**
   * Rows that passed the contract. The second read finds each as the first did unless a field the
   * file has no column for is filled in from the store (kept-fields.ts), so the rest pass without
   * being checked again.
   */
  passed: RowSet;
  hash: string;
  /** Every peer the file's rows are compared with: the live population, then the file's own. */
  peers: PeerFile;
  ledger: ImportLedger;
  makes: Set<string>;
  /** Rows that read as listings, a lot's replaced rows included. */
  acceptedRows: number;
}

/** A batch as the quality stage screened it: which rows pass the contract, their VINs decoded. */
type Screened = Awaited<ReturnType<typeof QualityStage.screen>>;

async function survey(
  db: Db,
  source: FeedSource,
  format: FeedFormat,
  opts: StreamImportOptions,
  size: number,
  depth: number,
): Promise<Survey> {
  const feed = streamFeed(source, format, new Date(opts.now), opts.windowChars);
  const totalBytes = opts.onSurveyProgress ? feedSize(source) : 0;
  const rejected: ReportedReject[] = [];
  // What grows with the file — every lot, every peer, every VIN counted — is kept on disk
  // (import-ledger.ts, peer-file.ts): the heap holds a batch of rows and a bit per row.
  const ledger = new ImportLedger();
  const peers = new PeerFile();
  const passed = new RowSet();
  // Batches are screened as the publishing read publishes them, `depth` at once: on PostgreSQL the
  // next batch is parsed while the server looks up and stores the last one's VIN decodes (one at
  // a time, this read left the import's thread idle for two fifths of its time); their outcomes
  // are taken in file order.
  const inFlight = new BatchWindow<{ screened: Screened; bytesRead: number }>(depth, ({ screened, bytesRead }) => {
    if (screened.validated) for (const a of screened.passing) passed.add(a.row);
    peers.stage(
      screened.passing.map((a) => ({
        row: a.row,
        make: a.listing.make,
        model: a.listing.model,
        feature: peerFeature(a.listing, opts.params, opts.now),
      })),
    );
    opts.onSurveyProgress?.(bytesRead, totalBytes);
    opts.afterBatch?.();
  });
  try {
    let batch: AcceptedListing[] = [];
    let acceptedRows = 0;
    const screen = (rows: AcceptedListing[]) => {
      opts.onBatch?.(rows.length, 'survey');
      acceptedRows += rows.length;
      ledger.record(rows.map((a) => ({ key: feedRowKey(a.listing), row: a.row })));
      const bytesRead = feed.bytesRead();
      return inFlight.add(async () => ({ screened: await QualityStage.screen(db, rows, opts), bytesRead }));
    };
    for await (const item of feed.items) {
      if ('rejected' in item) {
        rejected.push(ledger.keepReject(item.rejected));
        continue;
      }
      batch.push(item.accepted);
      if (batch.length >= size) {
        const full = batch;
        batch = [];
        await screen(full);
      }
    }
    if (batch.length) await screen(batch);
    await inFlight.drain();
    opts.onSurveyProgress?.(totalBytes, totalBytes);
    const winners = ledger.winners();
    peers.keepWinners((row) => winners.has(row));
    const families = peers.families();
    await loadPopulationInto(db, peers, families, opts.params, opts.now, (k) => ledger.has(k), opts.afterPeerPage);
    const makes = new Set(families.map((f) => f.make));
    return { rejected, winners, passed, hash: feed.hash(), peers, ledger, makes, acceptedRows };
  } catch (err) {
    // Nothing is closed under a batch still being screened.
    await inFlight.settle();
    peers.close();
    ledger.close();
    throw err;
  }
}

/**
 * Imports a listing feed from a file or buffer in batches of `batchRows`. Same summary, rows,
 * rejects, quarantine, flags and provenance as the whole-file pipeline (`ingestListings`).
 */
export async function importFeedSource(db: Db, source: FeedSource, format: FeedFormat, opts: StreamImportOptions): Promise<ImportSummary> {
  const depth = opts.batchesInFlight ?? (db.dialect === 'postgres' ? POSTGRES_BATCHES_IN_FLIGHT : 1);
  // The batches in flight hold as many rows as one did: the import's memory stays where it was.
  const size = opts.batchRows ?? Math.ceil(IMPORT_BATCH_ROWS / depth);
  // A file is read from a private copy (privateFeedCopy): the two reads must see the same bytes.
  const copy = 'path' in source ? await privateFeedCopy(source.path) : null;
  const from = copy?.source ?? source;
  // Statistics only shape plans: an import whose ANALYZE fails carries on with the old ones.
  const statistics = analyzeStale(db, LOOKUP_STATISTICS).catch((err: unknown) => {
    process.emitWarning(`planner statistics not refreshed: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  });
  try {
    const found = await survey(db, from, format, opts, size, depth).finally(() => statistics);
    try {
      return await publish(db, from, format, opts, found, depth, size);
    } finally {
      found.peers.close();
      found.ledger.close();
    }
  } finally {
    await copy?.remove();
  }
}

/** The second read: the winning rows, stored batch by batch against the whole file's peers. */
async function publish(
  db: Db,
  source: FeedSource,
  format: FeedFormat,
  opts: StreamImportOptions,
  found: Survey,
  depth: number,
  size: number,
): Promise<ImportSummary> {
  const lots = found.winners.size;
  // Kept whole, even when every row is rejected: the file is the evidence either way.
  const url = `urn:dealerscope:feed:${encodeURIComponent(opts.origin)}`;
  if (opts.snapshots) {
    const contentType = format === 'csv' ? 'text/csv' : 'application/json';
    // A file is streamed into the store under the hash the survey took, never read whole.
    if ('path' in source && opts.snapshots.keepFile)
      await opts.snapshots.keepFile({ path: source.path, hash: found.hash, url, contentType, kind: 'feed' });
    else {
      const bytes = 'bytes' in source ? source.bytes : await readFile(source.path);
      await opts.snapshots.keep({ bytes, url, contentType, kind: 'feed' });
    }
  }
  const importId = await openImport(db, 'listings', opts.origin, opts.now);
  try {
    await recordRejects(db, importId, 'listings', opts.origin, opts.now, found.ledger.rejectRecords());
    const peers = found.peers;
    const comps = await loadCompIndex(db, found.makes, opts.params.valuation.modelFamilies);
    const engineHash = engineFingerprint(opts.params, await readCompsVersion(db));
    const quality = emptyQualitySummary();
    const counts = new Map<string, { validated: number; passed: number }>();
    const stored = { created: 0, updated: 0, unchanged: 0 };
    // Stored listings outside the file whose duplicated-VIN flags the import moved: the lists changed.
    let duplicatesSettled = 0;
    // Duplicated VINs are settled once for the file, not batch by batch (QualityStage's
    // settleDuplicatesLater), or sooner once SETTLE_VINS_AT wait, so memory stays bounded.
    const unsettled = new Set<string>();
    const settle = async () => {
      if (unsettled.size === 0) return;
      const vins = [...unsettled];
      unsettled.clear();
      // The import bumps the data version once at its end.
      duplicatesSettled += await reconcileDuplicateVins(db, vins, {
        params: opts.params,
        now: opts.now,
        skip: (k) => found.ledger.has(k),
        bumpVersion: false,
      });
    };
    let done = 0;
    const fetchedAt = new Date(opts.now);
    // A batch's outcome, applied in batch order (see BatchWindow) to the import's totals.
    const inFlight = new BatchWindow<{ stage: QualityStage; part: StoreResult; rows: number }>(depth, ({ stage, part, rows }) => {
      for (const [src, c] of stage.contractCounts) {
        const t = counts.get(src) ?? { validated: 0, passed: 0 };
        counts.set(src, { validated: t.validated + c.validated, passed: t.passed + c.passed });
      }
      addQualitySummary(quality, stage.summary);
      // A VIN repeated across batches is counted once, as a whole-file import counts it.
      found.ledger.countVins(stage.completeVins);
      stored.created += part.created;
      stored.updated += part.updated;
      stored.unchanged += part.unchanged;
      done += rows;
      opts.onProgress?.(done, lots);
      opts.afterBatch?.();
    });
    const publish = async (batch: AcceptedListing[]) => {
      opts.onBatch?.(batch.length, 'publish');
      const origins = feedOriginsOf(found.hash, opts.origin, fetchedAt, batch);
      const accepted = batch.map((a, i) => ({ row: a.row, listing: a.listing, origin: origins[i] }));
      const filled = await keepStoredWhereAbsent(
        db,
        batch.map((a, i) => ({ listing: a.listing, origin: origins[i], absent: a.absent })),
      );
      const stage = await QualityStage.begin(
        db,
        { accepted, rejected: [] },
        {
          importId,
          origin: opts.origin,
          now: opts.now,
          params: opts.params,
          flags: opts.flags,
          vinDecoder: opts.vinDecoder,
          // The survey decoded and stored every VIN of these rows.
          vinsAlreadyStored: true,
          // The whole file was each batch's peers: its lots' flags are its own detection's.
          inImport: (k) => found.ledger.has(k),
          contractPassed: (a) => found.passed.has(a.row) && !filled.has(a.listing),
          deferContractRun: true,
          settleDuplicatesLater: true,
        },
      );
      const part = await publishStage(db, stage, opts, { comps, engineHash, peers });
      // Taken as the batch's own work ends, not as its outcome is applied: after a failed batch,
      // those in flight beside it are never applied, but what they stored is there all the same.
      for (const vin of stage.vinsToSettle) unsettled.add(vin);
      return { stage, part, rows: accepted.length };
    };
    const feed = streamFeed(source, format, fetchedAt, opts.windowChars);
    let batch: AcceptedListing[] = [];
    const groups = db.writeGroups;
    const elapsed = opts.elapsedMs ?? (() => performance.now());
    let groupSince = elapsed();
    groups?.open();
    try {
      for await (const item of feed.items) {
        if (!('accepted' in item) || !found.winners.has(item.accepted.row)) continue;
        batch.push(item.accepted);
        if (batch.length >= size) {
          const full = batch;
          batch = [];
          await inFlight.add(() => publish(full));
          if (unsettled.size >= SETTLE_VINS_AT) await settle();
          // The group's transaction begins with the next batch's first write, so another writer
          // waiting for the lock can take it while that batch is read and checked.
          if (groups && elapsed() - groupSince >= WRITE_GROUP_MS) {
            await groups.commit();
            groups.open();
            groupSince = elapsed();
          }
        }
      }
      if (batch.length) await inFlight.add(() => publish(batch));
      await inFlight.drain();
      await groups?.commit();
      await settle();
    } catch (err) {
      // Nothing is recorded about the import while a batch is still writing.
      await inFlight.settle();
      await groups?.rollback();
      // The batches committed before the failure keep their rows, so the stored listings they
      // duplicate get their flags as they would have; the import's own error is the one reported.
      await settle().catch(() => undefined);
      throw err;
    }
    if (feed.hash() !== found.hash) throw new Error(`${opts.origin} changed while it was being imported; import it again`);
    // Rows rejected while reading count as validated and failed, while the contract is checked.
    const run = (opts.flags?.get('ENABLE_SCHEMA_VALIDATION') ?? true) ? countRejected(counts, found.rejected) : counts;
    if (run.size) await recordContractRun(db, importId, run, opts.now);
    quality.vinsDecoded = found.ledger.vinsCounted;
    const changed = stored.created + stored.updated + quality.unpublished + duplicatesSettled;
    const dataVersion = changed > 0 ? await bumpDataVersion(db, opts.now) : null;
    if (dataVersion !== null) notifyDataVersion(db, dataVersion);
    await closeImport(db, importId, { accepted: lots, rejected: found.rejected.length, ...stored });
    return {
      importId,
      rows: lots + found.rejected.length,
      accepted: lots,
      rejected: found.rejected,
      ...stored,
      dataVersion,
      superseded: found.acceptedRows - lots,
      quality,
    };
  } catch (err) {
    await failImport(db, importId);
    throw err;
  }
}
