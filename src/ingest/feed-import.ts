// A listing feed imported as a stream, in bounded batches. Two reads of the file:
//  1. survey — rows parsed, rejects kept, later rows of a lot found (the last good one wins), the
//     file hashed, and the contract-passing rows reduced to the few numbers anomaly detection
//     compares each listing with. Nothing is written but decoded VINs (a cache), so a file that
//     cannot be read (no header, not JSON) leaves the database as it was.
//  2. publish — the winning rows again, `batchRows` at a time through the same quality stage,
//     pricing and storage as a whole-file import, each batch compared with the whole file's peers,
//     so the stored rows, quarantine, flags and provenance are those of reading the file at once.
// What stays in memory grows only by a key and a few numbers per row; rows themselves are held
// one batch at a time, two on PostgreSQL (batch-window.ts).
import { readFile } from 'node:fs/promises';
import type { Db } from '../storage/index.js';
import {
  bumpDataVersion,
  engineFingerprint,
  loadCompIndex,
  notifyDataVersion,
  readCompsVersion,
  storeListings,
} from '../opportunities/index.js';
import {
  loadPopulationFeatures,
  peerFeature,
  type PeerFeature,
  Peers,
  type PopulationWanted,
  QualityStage,
  type QualitySummary,
  recordContractRun,
  wantPopulationOf,
} from '../quality/index.js';
import type { ListingInput, StoreResult } from '../opportunities/index.js';
import { feedRowKey, type AcceptedListing, type FeedFormat, type RejectedRow } from './feed.js';
import { feedOriginsOf } from './feed-origin.js';
import { BatchWindow } from './batch-window.js';
import { streamFeed, type FeedSource } from './feed-stream.js';
import { closeImport, failImport, openImport, recordRejects, type ImportOptions, type ImportSummary } from './import-records.js';

/** Rows the import holds at once: one batch, or two of half the size when two are in flight. */
export const IMPORT_BATCH_ROWS = 1000;

export interface StreamImportOptions extends ImportOptions {
  batchRows?: number;
  /** CSV text parsed at a time (tests make it small to cross many window boundaries). */
  windowChars?: number;
  /** Called with each batch's row count as it is taken in (tests check the bound). */
  onBatch?: (rows: number, pass: 'survey' | 'publish') => void;
  /** Called after each batch is done with, when its rows are garbage (the CLI's heap ceiling). */
  afterBatch?: () => void;
  /**
   * Batches written at once: by default 2 on PostgreSQL (one is checked and priced while the
   * server writes the other) and 1 on SQLite, whose writes run on this thread. Batches default to
   * IMPORT_BATCH_ROWS divided among them.
   */
  batchesInFlight?: number;
}

interface Survey {
  rejected: RejectedRow[];
  winners: Map<string, number>;
  hash: string;
  peers: PeerFeature[];
  makes: Set<string>;
  accepted: number;
}

async function survey(db: Db, source: FeedSource, format: FeedFormat, opts: StreamImportOptions, size: number): Promise<Survey> {
  const feed = streamFeed(source, format, new Date(opts.now), opts.windowChars);
  const rejected: RejectedRow[] = [];
  const winners = new Map<string, number>();
  // Contract-passing rows, in row order; a row a later one replaced is dropped at the end. What
  // is kept per row is a few numbers and strings; the strings a file repeats on every row (make,
  // model, the anomaly cohort) are held once, which was half of this state for a 200 k-row file.
  const passing: Array<{ row: number; make: string; model: string; feature: PeerFeature }> = [];
  const interned = new Map<string, string>();
  const intern = (t: string): string => {
    const held = interned.get(t);
    if (held !== undefined) return held;
    interned.set(t, t);
    return t;
  };
  let batch: AcceptedListing[] = [];
  const screen = async () => {
    opts.onBatch?.(batch.length, 'survey');
    const s = await QualityStage.screen(db, batch, opts);
    for (const a of s.passing) {
      const l = a.listing;
      const feature = peerFeature(l, opts.params);
      feature.cohort = intern(feature.cohort);
      passing.push({ row: a.row, make: intern(l.make), model: intern(l.model), feature });
    }
    batch = [];
    opts.afterBatch?.();
  };
  for await (const item of feed.items) {
    if ('rejected' in item) {
      rejected.push(item.rejected);
      continue;
    }
    winners.set(feedRowKey(item.accepted.listing), item.accepted.row);
    batch.push(item.accepted);
    if (batch.length >= size) await screen();
  }
  if (batch.length) await screen();
  const wanted: PopulationWanted = { makes: new Set(), pairs: new Set(), vins: new Set() };
  const makes = new Set<string>();
  const peers: PeerFeature[] = [];
  for (const p of passing) {
    if (winners.get(p.feature.key) !== p.row) continue;
    wantPopulationOf(wanted, { make: p.make, model: p.model, vin: p.feature.vin } as ListingInput, opts.params.valuation.modelFamilies);
    makes.add(p.make);
    peers.push(p.feature);
  }
  passing.length = 0;
  const population = await loadPopulationFeatures(db, wanted, opts.params, (k) => winners.has(k));
  return { rejected, winners, hash: feed.hash(), peers: [...population, ...peers], makes, accepted: winners.size };
}

function addQuality(into: QualitySummary, part: QualitySummary): void {
  into.validated += part.validated;
  into.quarantined += part.quarantined;
  into.quarantinedRows.push(...part.quarantinedRows);
  into.unpublished += part.unpublished;
  into.anomalous += part.anomalous;
  into.sanitized += part.sanitized;
  into.provenanceRecorded += part.provenanceRecorded;
}

/**
 * Imports a listing feed from a file or buffer in batches of `batchRows`. Same summary, rows,
 * rejects, quarantine, flags and provenance as the whole-file pipeline (`ingestListings`).
 */
export async function importFeedSource(db: Db, source: FeedSource, format: FeedFormat, opts: StreamImportOptions): Promise<ImportSummary> {
  const depth = opts.batchesInFlight ?? (db.dialect === 'postgres' ? 2 : 1);
  // Two batches in flight hold as many rows as one did: the import's memory stays where it was.
  const size = opts.batchRows ?? Math.ceil(IMPORT_BATCH_ROWS / depth);
  const found = await survey(db, source, format, opts, size);
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
    await recordRejects(db, importId, 'listings', opts.origin, opts.now, found.rejected);
    const peers = new Peers(found.peers);
    found.peers.length = 0;
    const comps = await loadCompIndex(db, found.makes, opts.params.valuation.modelFamilies);
    const engineHash = engineFingerprint(opts.params, await readCompsVersion(db));
    const quality: QualitySummary = {
      validated: 0,
      quarantined: 0,
      quarantinedRows: [],
      unpublished: 0,
      anomalous: 0,
      sanitized: 0,
      vinsDecoded: 0,
      provenanceRecorded: 0,
    };
    const counts = new Map<string, { validated: number; passed: number }>();
    const vinsCounted = new Set<string>();
    const stored = { created: 0, updated: 0, unchanged: 0 };
    let done = 0;
    const fetchedAt = new Date(opts.now);
    // A batch's outcome, applied in batch order (see BatchWindow) to the import's totals.
    const inFlight = new BatchWindow<{ stage: QualityStage; part: StoreResult; rows: number }>(depth, ({ stage, part, rows }) => {
      for (const [src, c] of stage.contractCounts) {
        const t = counts.get(src) ?? { validated: 0, passed: 0 };
        counts.set(src, { validated: t.validated + c.validated, passed: t.passed + c.passed });
      }
      addQuality(quality, stage.summary);
      // A VIN repeated across batches is counted once, as a whole-file import counts it.
      for (const vin of stage.completeVins) vinsCounted.add(vin);
      stored.created += part.created;
      stored.updated += part.updated;
      stored.unchanged += part.unchanged;
      done += rows;
      opts.onProgress?.(done, found.accepted);
      opts.afterBatch?.();
    });
    const publish = async (batch: AcceptedListing[]) => {
      opts.onBatch?.(batch.length, 'publish');
      const origins = feedOriginsOf(found.hash, opts.origin, fetchedAt, batch);
      const accepted = batch.map((a, i) => ({ row: a.row, listing: a.listing, origin: origins[i] }));
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
          deferContractRun: true,
        },
      );
      await stage.detect(comps, peers);
      const listings = stage.publishable.map((a) => a.listing);
      const part = await storeListings(db, listings, {
        origin: opts.origin,
        isSample: opts.isSample ?? false,
        now: opts.now,
        params: opts.params,
        comps,
        engineHash,
        ...stage.storeHooks(opts.hasOpenAnomaly),
      });
      await stage.finish(part);
      return { stage, part, rows: accepted.length };
    };
    const feed = streamFeed(source, format, fetchedAt, opts.windowChars);
    let batch: AcceptedListing[] = [];
    try {
      for await (const item of feed.items) {
        if (!('accepted' in item) || found.winners.get(feedRowKey(item.accepted.listing)) !== item.accepted.row) continue;
        batch.push(item.accepted);
        if (batch.length >= size) {
          const full = batch;
          batch = [];
          await inFlight.add(() => publish(full));
        }
      }
      if (batch.length) await inFlight.add(() => publish(batch));
      await inFlight.drain();
    } catch (err) {
      // Nothing is recorded about the import while a batch is still writing.
      await inFlight.settle();
      throw err;
    }
    if (feed.hash() !== found.hash) throw new Error(`${opts.origin} changed while it was being imported; import it again`);
    if (counts.size) await recordContractRun(db, importId, counts, opts.now);
    quality.vinsDecoded = vinsCounted.size;
    const dataVersion = stored.created + stored.updated + quality.unpublished > 0 ? await bumpDataVersion(db, opts.now) : null;
    if (dataVersion !== null) notifyDataVersion(db, dataVersion);
    await closeImport(db, importId, { accepted: found.accepted, rejected: found.rejected.length, ...stored });
    return {
      importId,
      rows: found.accepted + found.rejected.length,
      accepted: found.accepted,
      rejected: found.rejected,
      ...stored,
      dataVersion,
      quality,
    };
  } catch (err) {
    await failImport(db, importId);
    throw err;
  }
}
