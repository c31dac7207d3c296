// The quality stage of the one ingestion pipeline (ingest/import-service.ts ingestListings):
// contract → quarantine, anomaly detection → flags, and after storage the provenance of every
// field. Each part obeys its feature flag, read per import so a runtime switch applies at once.
import type { ArbitrageParams } from '../config/index.js';
import { FLAGS, type FlagService } from '../flags/index.js';
import type { ListingBatch } from './batch.js';
import type { CompIndex, ListingInput, StoreResult } from '../opportunities/index.js';
import {
  atomicWrite,
  bulkUpsert,
  dbBool,
  inList,
  lookupByGroup,
  lookupKeysPerStatement,
  upsertRowsPerStatement,
  type Db,
  type UpsertShape,
} from '../storage/index.js';
import { linkAnomaliesToListings, loadPopulation, recordDetections, type AnomalyView } from './anomaly/anomaly-store.js';
import { detectAnomalies, listingKey, type PeerIndex } from './anomaly/detector.js';
import { validateListing } from './contract/listing-contract.js';
import { applyContractResults, countRejected, recordContractRun, type QuarantineEntry } from './contract/quarantine-store.js';
import { engineVersion } from './provenance/fields.js';
import { provenanceRow } from './provenance/records.js';
import { anomalyHooks, reappraiseListings } from './reappraise.js';
import { reconcileDuplicateVins } from './duplicate-vins.js';
import { sanitizeListing } from './text-hygiene.js';
import { decodeAndStore } from './vin-decoding/decode-store.js';
import { vehicleAttributes, type VinDecode, type VinDecoder } from './vin-decoding/decoder.js';

export type QualityFlags = Pick<FlagService, 'get'>;

/** Without a flag service (a bare CLI import) the built-in defaults apply: every check on. */
const builtInFlags: QualityFlags = { get: ((name: keyof typeof FLAGS) => FLAGS[name].default) as QualityFlags['get'] };

export interface QualityStageOptions {
  importId: number;
  origin: string;
  now: number;
  params: ArbitrageParams;
  flags?: QualityFlags;
  /** The VIN decoder; the process's shared one by default, null to decode nothing. */
  vinDecoder?: VinDecoder | null;
  /** The batch's VINs were decoded and stored by an earlier read of the same rows (decodeAndStore's alreadyStored). */
  vinsAlreadyStored?: boolean;
  /**
   * Lots of the same import (a streamed file's, across its batches), whose flags its own detection
   * sets; the batch's lots by default. Stored listings outside it that share a VIN with the batch
   * have their duplicate_vin flags set afterwards (duplicate-vins.ts).
   */
  inImport?: (key: string) => boolean;
  /**
   * Rows an earlier read of the same file found to pass the contract, read from the same bytes
   * and checked against the same decodes at the same `now` (a streamed import's first read, for
   * rows that nothing stored has filled in since): they pass again without being checked again.
   */
  contractPassed?: (a: Accepted) => boolean;
  /**
   * The caller settles the duplicated VINs `finish` finds (`vinsToSettle`) itself, many batches'
   * at once, with `reconcileDuplicateVins`. Each settling re-appraises the stored listings whose
   * flags moved in a transaction of its own, which on PostgreSQL waits for the change number
   * (opportunities/versions.ts) behind every other batch in flight: settled batch by batch, the
   * benchmark's second 20,000-listing file took about a tenth longer to import.
   */
  settleDuplicatesLater?: boolean;
}

/** A row the contract held back: stored in the quarantine, not published. */
export interface QuarantinedRow {
  row: number | null;
  source: string;
  lotId: string;
  reasons: Array<{ rule: string; message: string }>;
}

export interface QualitySummary {
  validated: number;
  quarantined: number;
  /** Every quarantined row with its reasons (the import summaries list them). */
  quarantinedRows: QuarantinedRow[];
  unpublished: number;
  anomalous: number;
  /** Rows whose text had markup or control characters stripped (flagged). */
  sanitized: number;
  vinsDecoded: number;
  provenanceRecorded: number;
}

/** A summary of nothing yet: what a stage starts from, and what a batched import adds its stages to. */
export function emptyQualitySummary(): QualitySummary {
  return {
    validated: 0,
    quarantined: 0,
    quarantinedRows: [],
    unpublished: 0,
    anomalous: 0,
    sanitized: 0,
    vinsDecoded: 0,
    provenanceRecorded: 0,
  };
}

/** A listing's provenance row is replaced whole by its latest import. */
const PROVENANCE_UPSERT: UpsertShape = { table: 'quality_provenance', conflict: ['listing_id'] };

/**
 * Adds one batch's summary to an import's. VINs decoded are left out: a VIN repeated across
 * batches is counted once for the import, which only the import can tell.
 */
export function addQualitySummary(into: QualitySummary, part: QualitySummary): void {
  into.validated += part.validated;
  into.quarantined += part.quarantined;
  into.quarantinedRows.push(...part.quarantinedRows);
  into.unpublished += part.unpublished;
  into.anomalous += part.anomalous;
  into.sanitized += part.sanitized;
  into.provenanceRecorded += part.provenanceRecorded;
}

type Accepted = ListingBatch['accepted'][number];

export class QualityStage {
  readonly summary: QualitySummary = emptyQualitySummary();
  private views = new Map<string, AnomalyView[]>();
  /** Per source: rows validated and rows that passed (recorded by `begin` unless deferred). */
  contractCounts = new Map<string, { validated: number; passed: number }>();
  /** The batch's VINs decoded completely (what `vinsDecoded` counts). */
  completeVins: string[] = [];
  /** VINs of the batch's quarantined lots: no longer live, so flags naming them may resolve. */
  private quarantinedVins: string[] = [];
  /** Stored listings outside the import whose duplicate_vin flags this batch moved (re-appraised; the import bumps the data version). */
  duplicatesSettled = 0;
  /** With `settleDuplicatesLater`: the VINs `finish` left for the caller to settle. */
  vinsToSettle: string[] = [];
  private readonly flags: QualityFlags;
  private readonly detection: boolean;
  private readonly provenance: boolean;

  private constructor(
    private readonly db: Db,
    readonly publishable: Accepted[],
    private readonly opts: QualityStageOptions,
  ) {
    this.flags = opts.flags ?? builtInFlags;
    this.detection = this.flags.get('ENABLE_ANOMALY_DETECTION');
    this.provenance = this.flags.get('ENABLE_PROVENANCE_TRACKING');
  }

  /**
   * Strips markup and control characters from the batch's text, decodes its VINs, validates it
   * against the contract and quarantines what fails. With `deferContractRun` the per-source
   * counts are left in `contractCounts` for the caller to record once for a streamed import.
   */
  static async begin(db: Db, batch: ListingBatch, opts: QualityStageOptions & { deferContractRun?: boolean }): Promise<QualityStage> {
    const screened = await QualityStage.screen(db, batch.accepted, opts);
    const complete = [...screened.decodes.values()].filter((d: VinDecode) => d.complete).map((d) => d.vin);
    const counted = (stage: QualityStage) => {
      stage.completeVins = complete;
      Object.assign(stage.summary, { sanitized: screened.sanitized, vinsDecoded: complete.length });
    };
    if (!screened.validated) {
      const unchecked = new QualityStage(db, screened.passing, opts);
      counted(unchecked);
      return unchecked;
    }
    const { failing, passing, counts } = screened;
    const { unpublished } = await applyContractResults(
      db,
      failing,
      passing.map((p) => p.listing),
      opts,
    );
    if (!opts.deferContractRun) await recordContractRun(db, opts.importId, countRejected(counts, batch.rejected), opts.now);
    const stage = new QualityStage(db, passing, opts);
    stage.contractCounts = counts;
    stage.quarantinedVins = failing.flatMap((f) => (f.listing.vin ? [f.listing.vin] : []));
    Object.assign(stage.summary, {
      validated: batch.accepted.length,
      quarantined: failing.length,
      unpublished,
      quarantinedRows: failing.map((f) => ({
        row: f.row,
        source: f.listing.source,
        lotId: f.listing.lotId,
        reasons: f.violations.map((v) => ({ rule: v.rule, message: v.message })),
      })),
    });
    counted(stage);
    return stage;
  }

  /**
   * The stage's reading of a batch without writing anything but decoded VINs (a cache): text
   * cleaned, vehicles decoded, and which rows pass the contract.
   */
  static async screen(
    db: Db,
    accepted: readonly Accepted[],
    opts: Pick<QualityStageOptions, 'now' | 'flags' | 'vinDecoder' | 'vinsAlreadyStored' | 'contractPassed'>,
  ) {
    const flags = opts.flags ?? builtInFlags;
    let sanitized = 0;
    for (const a of accepted) if (sanitizeListing(a)) sanitized++;
    const decodes = await decodeAndStore(
      db,
      accepted.map((a) => a.listing.vin),
      { now: opts.now, decoder: opts.vinDecoder, alreadyStored: opts.vinsAlreadyStored },
    );
    for (const a of accepted) {
      const d = a.listing.vin ? decodes.get(a.listing.vin.toUpperCase()) : undefined;
      a.listing.vehicle = d ? vehicleAttributes(d) : null;
    }
    const failing: QuarantineEntry[] = [];
    const passing: Accepted[] = [];
    const counts = new Map<string, { validated: number; passed: number }>();
    const validated = flags.get('ENABLE_SCHEMA_VALIDATION');
    if (!validated) return { sanitized, decodes, validated, failing, passing: [...accepted], counts };
    for (const a of accepted) {
      const violations = opts.contractPassed?.(a) ? [] : validateListing(a.listing, { now: opts.now, vinDecodes: decodes });
      const c = counts.get(a.listing.source) ?? { validated: 0, passed: 0 };
      c.validated++;
      if (violations.length) failing.push({ row: a.row, listing: a.listing, violations });
      else {
        c.passed++;
        passing.push(a);
      }
      counts.set(a.listing.source, c);
    }
    return { sanitized, decodes, validated, failing, passing, counts };
  }

  /** Flags anomalies among the publishable listings against their live peers and comps. */
  async detect(comps: CompIndex, peers?: PeerIndex): Promise<void> {
    if (!this.detection || this.publishable.length === 0) return;
    const batch = this.publishable.map((a) => a.listing);
    const population = peers ? [] : await loadPopulation(this.db, batch, this.opts.params.valuation.modelFamilies);
    const found = detectAnomalies(batch, {
      now: this.opts.now,
      params: this.opts.params,
      comps: (l) => comps.for(l.make, l.model),
      population,
      peers,
    });
    this.views = await recordDetections(this.db, batch, found, this.opts.now);
    this.summary.anomalous = found.size;
  }

  /** storeListings hooks; a caller's own hasOpenAnomaly still counts. */
  storeHooks(extra?: (l: ListingInput) => boolean) {
    const h = anomalyHooks(this.views);
    return { anomaliesFor: h.anomaliesFor, hasOpenAnomaly: (l: ListingInput) => h.hasOpenAnomaly(l) || (extra?.(l) ?? false) };
  }

  /**
   * After storage: provenance rows, flags linked to listings, stale opportunities refreshed, and
   * duplicated VINs settled on stored listings outside the import (or left in `vinsToSettle`).
   */
  async finish(stored: StoreResult): Promise<void> {
    if (this.publishable.length > 0) await this.recordStored(stored);
    if (!this.detection) return;
    const vins = this.duplicateVins(stored.replacedVins);
    if (this.opts.settleDuplicatesLater) this.vinsToSettle = vins;
    else if (vins.length) {
      const batch = new Set(this.publishable.map((a) => listingKey(a.listing)));
      this.duplicatesSettled = await reconcileDuplicateVins(this.db, vins, {
        params: this.opts.params,
        now: this.opts.now,
        skip: this.opts.inImport ?? ((k) => batch.has(k)),
        bumpVersion: false,
      });
    }
  }

  private async recordStored(stored: StoreResult): Promise<void> {
    const ids = await this.listingIds();
    if (this.provenance) {
      const engine = engineVersion(this.opts.params);
      const rows = this.publishable.flatMap((a) => {
        const id = ids.get(listingKey(a.listing));
        return id === undefined ? [] : [provenanceRow(id.id, a.listing, a.origin, this.opts.origin, engine, this.opts.now)];
      });
      // The batch's rows land together (each statement on its own was its own commit), in listing
      // id order, so two imports of overlapping lots take the row locks in the same order.
      rows.sort((a, b) => a.listing_id - b.listing_id);
      const chunk = upsertRowsPerStatement(this.db.dialect);
      await atomicWrite(this.db, Math.ceil(rows.length / chunk), async (trx) => {
        for (let i = 0; i < rows.length; i += chunk) await bulkUpsert(trx, this.db, PROVENANCE_UPSERT, rows.slice(i, i + chunk));
      });
      this.summary.provenanceRecorded = rows.length;
    }
    const idByKey = new Map([...ids].map(([k, v]) => [k, v.id]));
    await linkAnomaliesToListings(this.db, idByKey, this.views.keys());
    // Listings storeListings left alone (same content) may need a new appraisal: their flags
    // moved, or they were unpublished by an earlier quarantine and are compliant again.
    const changed = new Set(stored.changedListingIds);
    const stale: number[] = [];
    const inactive: number[] = [];
    const current = await this.currentAnomalies([...ids.values()].map((v) => v.id).filter((id) => !changed.has(id)));
    for (const [k, v] of ids) {
      if (changed.has(v.id)) continue;
      if (!v.active) inactive.push(v.id);
      else if (current.get(v.id) !== JSON.stringify(this.views.get(k) ?? [])) stale.push(v.id);
    }
    if (inactive.length) {
      await this.db.kysely
        .updateTable('listings')
        .set({ is_active: dbBool(this.db, true), updated_at: this.opts.now })
        .where('id', 'in', inactive)
        .execute();
    }
    await reappraiseListings(this.db, [...stale, ...inactive], {
      params: this.opts.params,
      now: this.opts.now,
      anomalyDetection: this.detection,
    });
  }

  /**
   * The VINs whose holders outside the import need their duplicate_vin flags settled: stored
   * listings that share a VIN with the batch are flagged when a lot of the batch duplicates them,
   * cleared when it no longer does (its auction is over, it was quarantined, or its VIN was
   * corrected). Only VINs the batch flagged, quarantined or replaced are asked about, so a file
   * without duplicates costs nothing here. (A lot whose auction is over still carries the flag
   * itself while another live listing holds its VIN, so its VIN is among those asked about.)
   */
  private duplicateVins(replacedVins: readonly string[]): string[] {
    const vins = [...this.quarantinedVins, ...replacedVins];
    for (const a of this.publishable) {
      const l = a.listing;
      if (l.vin && (this.views.get(listingKey(l)) ?? []).some((v) => v.kind === 'duplicate_vin')) vins.push(l.vin);
    }
    return vins;
  }

  private async listingIds(): Promise<Map<string, { id: number; active: boolean }>> {
    const pairs = this.publishable.map((a) => [a.listing.source, a.listing.lotId] as const);
    const rows = await lookupByGroup(this.db.dialect, pairs, (source, lots) =>
      this.db.kysely
        .selectFrom('listings')
        .select(['id', 'source', 'lot_id', 'is_active'])
        .where('source', '=', source)
        .where('lot_id', 'in', lots),
    );
    const out = new Map<string, { id: number; active: boolean }>();
    for (const r of rows)
      out.set(listingKey({ source: r.source, lotId: r.lot_id }), {
        id: Number(r.id),
        active: r.is_active === true || r.is_active === 1,
      });
    return out;
  }

  private async currentAnomalies(listingIds: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const size = lookupKeysPerStatement(this.db.dialect);
    for (let i = 0; i < listingIds.length; i += size) {
      const rows = await this.db.kysely
        .selectFrom('opportunities')
        .select(['listing_id', 'anomalies_json'])
        .where('listing_id', 'in', inList(listingIds.slice(i, i + size)))
        .execute();
      for (const r of rows) out.set(Number(r.listing_id), r.anomalies_json);
    }
    return out;
  }
}
