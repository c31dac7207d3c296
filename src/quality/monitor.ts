// Live quality measurements for the rollout gates, triggers, console and /metrics: contract
// compliance per source, anomaly false-positive ratio, provenance coverage and the quality score.
// Computed from the database (so every replica reports the same), refreshed on a timer and after
// operator actions; signal and metric reads are synchronous lookups of the last snapshot.
import { PeriodicTask } from '../common/periodic-task.js';
import client from 'prom-client';
import { sourceQuality, type SourceQuality } from './scrape-quality.js';
import { listingFromRow } from '../opportunities/store.js';
import { SIGNALS, type Signals } from '../observability/index.js';
import type { Clock } from '../common/clock.js';
import { dbBool, type Db } from '../storage/db.js';
import { readKeyset, type KeysetPosition } from '../storage/keyset.js';
import { validateListing } from './contract/listing-contract.js';
import type { ListingInput } from '../opportunities/types.js';
import { PUBLISHED_FIELDS } from './provenance/fields.js';
import { expandProvenance, type ProvenanceRow } from './provenance/records.js';
import { qualityReport, type QualityRecord, type QualityReport } from './score/quality-score.js';

export interface ComplianceStats {
  validated: number;
  passed: number;
  ratio: number | null;
}

export interface QualitySnapshot {
  at: string;
  compliance: { overall: ComplianceStats; sources: Record<string, ComplianceStats>; windowMs: number };
  anomalies: {
    checked: number;
    flagged: number;
    /** Flagged listings an operator has given a verdict on: the only labelled examples there are. */
    reviewed: number;
    falsePositives: number;
    confirmed: number;
    /** falsePositives ÷ reviewed; null before any verdict. */
    falsePositiveRatio: number | null;
  };
  provenance: { opportunities: number; fieldsPublished: number; fieldsWithRecord: number; coverageRatio: number | null };
  quality: QualityReport;
  /** Per configured auction source (by its name in the sources file): latest run, parse coverage, compliance. */
  scrapes: Record<string, SourceQuality>;
}

export const COMPLIANCE_WINDOW_MS = 7 * 86_400_000;
/** Verdicts needed before the FP ratio feeds the rollout signal: one cleared flag is not a 100 % rate. */
export const MIN_REVIEWED_FOR_SIGNAL = 20;

/**
 * Coverage and the quality score are measured on the most recently updated records, not the
 * whole table: every replica refreshes on a timer, and reading 100 k listings with their
 * provenance each time would cost hundreds of megabytes and seconds of CPU on the request path.
 * The newest records are also the ones the gates care about.
 */
export const QUALITY_SAMPLE_SIZE = 5_000;

// The sample is read and checked in slices, yielding between them: on SQLite a query runs on the
// process's only thread, and 5,000 rows read and validated at once held every request up for
// 70–90 ms every 30 s (after the recency indexes; 360–400 ms before them). In a running replica
// on 100 k rows the longest event-loop delay of a tick was 25–29 ms with slices of 500, 11–13 ms
// with 200.
const SAMPLE_SLICE = 200;

/**
 * Walks the newest QUALITY_SAMPLE_SIZE rows, newest first: `read` fetches one slice after a key,
 * `consume` checks it before the next is read.
 */
async function sampleRecent<R extends { updated_at: unknown; id: unknown }>(
  read: (after: KeysetPosition | null, limit: number) => Promise<R[]>,
  consume: (rows: R[]) => void,
): Promise<void> {
  let after: KeysetPosition | null = null;
  for (let done = 0; done < QUALITY_SAMPLE_SIZE;) {
    const limit = Math.min(SAMPLE_SLICE, QUALITY_SAMPLE_SIZE - done);
    const rows = await read(after, limit);
    consume(rows);
    done += rows.length;
    const last = rows.at(-1);
    if (rows.length < limit || last === undefined) return;
    after = { key: Number(last.updated_at), id: Number(last.id) };
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

async function compliance(db: Db, now: number): Promise<QualitySnapshot['compliance']> {
  const rows = await db.kysely
    .selectFrom('quality_contract_runs')
    .select(['source', (eb) => eb.fn.sum<number>('validated').as('v'), (eb) => eb.fn.sum<number>('passed').as('p')])
    .where('at', '>', now - COMPLIANCE_WINDOW_MS)
    .groupBy('source')
    .execute();
  const sources: Record<string, ComplianceStats> = {};
  let v = 0;
  let p = 0;
  for (const r of rows) {
    const validated = Number(r.v);
    const passed = Number(r.p);
    v += validated;
    p += passed;
    sources[r.source] = { validated, passed, ratio: validated ? passed / validated : null };
  }
  return { overall: { validated: v, passed: p, ratio: v ? p / v : null }, sources, windowMs: COMPLIANCE_WINDOW_MS };
}

/**
 * FP ÷ reviewed: of the flagged listings an operator gave a verdict on, the share cleared as false
 * positives. Unreviewed listings are not negatives (nobody looked), so they count nowhere.
 */
async function anomalyRates(db: Db): Promise<QualitySnapshot['anomalies']> {
  const checked = Number(
    (
      await db.kysely
        .selectFrom('quality_anomaly_checks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const flags = await db.kysely
    .selectFrom('quality_anomalies')
    .select(['source', 'lot_id', 'status'])
    .where('status', '!=', 'resolved')
    .execute();
  const byListing = new Map<string, Set<string>>();
  for (const f of flags) {
    const k = `${f.source}\u0000${f.lot_id}`;
    byListing.set(k, (byListing.get(k) ?? new Set()).add(f.status));
  }
  // A listing is a false positive when every flag on it was marked so, and confirmed when any was.
  const falsePositives = [...byListing.values()].filter((s) => s.size === 1 && s.has('false_positive')).length;
  const confirmed = [...byListing.values()].filter((s) => s.has('confirmed')).length;
  const reviewed = falsePositives + confirmed;
  return {
    checked,
    flagged: byListing.size,
    reviewed,
    falsePositives,
    confirmed,
    falsePositiveRatio: reviewed ? falsePositives / reviewed : null,
  };
}

async function provenanceCoverage(db: Db): Promise<QualitySnapshot['provenance']> {
  let opportunities = 0;
  let withRecord = 0;
  await sampleRecent(
    (after, limit) =>
      readKeyset(
        db,
        () =>
          db.kysely
            .selectFrom('opportunities')
            .leftJoin('quality_provenance', 'quality_provenance.listing_id', 'opportunities.listing_id')
            .select([
              'opportunities.id',
              'opportunities.updated_at',
              'quality_provenance.listing_id as pid',
              'quality_provenance.fields_json',
              'quality_provenance.source_url',
              'quality_provenance.fetched_at',
              'quality_provenance.snapshot_hash',
              'quality_provenance.extractor_version',
              'quality_provenance.engine_version',
              'quality_provenance.appraised_at',
            ])
            .where('opportunities.is_active', '=', dbBool(db, true)),
        { key: 'opportunities.updated_at', id: 'opportunities.id', dir: 'desc' },
        after,
        limit,
      ),
    (rows) => {
      for (const r of rows) {
        if (r.pid === null || r.fields_json === null) continue;
        const records = expandProvenance({ ...(r as unknown as ProvenanceRow), listing_id: Number(r.pid) });
        withRecord += PUBLISHED_FIELDS.filter((f) => records[f] !== undefined).length;
      }
      opportunities += rows.length;
    },
  );
  const published = opportunities * PUBLISHED_FIELDS.length;
  return {
    opportunities,
    fieldsPublished: published,
    fieldsWithRecord: withRecord,
    coverageRatio: published ? withRecord / published : null,
  };
}

/** Active listings plus records still in quarantine: everything the sources sent us that is current. */
export async function qualityRecords(db: Db): Promise<QualityRecord[]> {
  const out: QualityRecord[] = [];
  await sampleRecent(
    (after, limit) =>
      readKeyset(
        db,
        () =>
          db.kysely
            .selectFrom('listings')
            .leftJoin('quality_provenance', 'quality_provenance.listing_id', 'listings.id')
            .selectAll('listings')
            .select('quality_provenance.fetched_at')
            .where('listings.is_active', '=', dbBool(db, true)),
        { key: 'listings.updated_at', id: 'listings.id', dir: 'desc' },
        after,
        limit,
      ),
    (rows) => {
      for (const r of rows) {
        const listing = listingFromRow(r);
        const fetchedAt = r.fetched_at === null ? Number(r.updated_at) : Number(r.fetched_at);
        out.push({ listing, fetchedAt, compliant: validateListing(listing, { now: fetchedAt }).length === 0 });
      }
    },
  );
  const held = await db.kysely
    .selectFrom('quality_quarantine')
    .select(['record_json', 'updated_at'])
    .where('status', '=', 'quarantined')
    .orderBy('updated_at', 'desc')
    .limit(QUALITY_SAMPLE_SIZE)
    .execute();
  for (const h of held) {
    const raw = JSON.parse(h.record_json) as ListingInput & { auctionEndsAt: string };
    out.push({ listing: { ...raw, auctionEndsAt: new Date(raw.auctionEndsAt) }, fetchedAt: Number(h.updated_at), compliant: false });
  }
  return out;
}

export async function measureQuality(db: Db, now: number): Promise<QualitySnapshot> {
  const [c, a, p, records, scrapes] = await Promise.all([
    compliance(db, now),
    anomalyRates(db),
    provenanceCoverage(db),
    qualityRecords(db),
    sourceQuality(db, now),
  ]);
  return { at: new Date(now).toISOString(), compliance: c, anomalies: a, provenance: p, quality: qualityReport(records, now), scrapes };
}

export class QualityMonitor {
  private last: QualitySnapshot | null = null;
  private inflight: Promise<QualitySnapshot> | null = null;

  private readonly loop: PeriodicTask;
  private firstPassDone: () => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    readonly intervalMs = 30_000,
  ) {
    // A failed refresh is left to the next one; readiness shows database trouble.
    this.loop = new PeriodicTask({
      clock,
      firstAfterMs: 0,
      everyMs: intervalMs,
      run: () => this.refresh().finally(() => this.firstPassDone()),
      onError: () => {},
    });
  }

  snapshot(): QualitySnapshot | null {
    return this.last;
  }

  /** One measurement at a time; concurrent callers share it. */
  refresh(): Promise<QualitySnapshot> {
    this.inflight ??= measureQuality(this.db, this.clock.now())
      .then((s) => {
        this.last = s;
        return s;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** The last snapshot if younger than maxAgeMs, else a fresh one. */
  async current(maxAgeMs = 5_000): Promise<QualitySnapshot> {
    if (this.last && this.clock.now() - Date.parse(this.last.at) <= maxAgeMs) return this.last;
    return this.refresh();
  }

  /** Starts the timer; the promise settles (never rejects) when the first pass has ended. */
  start(): Promise<void> {
    const first = new Promise<void>((resolve) => {
      this.firstPassDone = resolve;
    });
    this.loop.start();
    return first;
  }

  stop(): void {
    void this.loop.stop();
  }

  registerSignals(signals: Signals): void {
    signals.register(SIGNALS.contractComplianceRatio, () => this.last?.compliance.overall.ratio ?? null);
    // Gates and triggers act on the ratio only once enough verdicts make it mean something.
    signals.register(SIGNALS.anomalyFalsePositiveRatio, () => {
      const a = this.last?.anomalies;
      return a && a.reviewed >= MIN_REVIEWED_FOR_SIGNAL ? a.falsePositiveRatio : null;
    });
    signals.register(SIGNALS.provenanceCoverageRatio, () => this.last?.provenance.coverageRatio ?? null);
    signals.register(SIGNALS.dataQualityScore, () =>
      this.last && this.last.quality.overall.records ? this.last.quality.overall.score : null,
    );
  }

  registerMetrics(registry: client.Registry): void {
    const monitor = this;
    new client.Gauge({
      name: 'dealerscope_contract_compliance_ratio',
      help: 'Listings passing every contract rule ÷ listings validated, per source, over the last 7 days',
      labelNames: ['source'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const s = monitor.last;
        if (!s) return;
        for (const [src, c] of Object.entries(s.compliance.sources)) if (c.ratio !== null) this.set({ source: src }, c.ratio);
        if (s.compliance.overall.ratio !== null) this.set({ source: 'all' }, s.compliance.overall.ratio);
      },
    });
    new client.Gauge({
      name: 'dealerscope_data_quality_score',
      help: 'Weighted mean of completeness, validity, uniqueness, timeliness and consistency (0–1), per source',
      labelNames: ['source'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const s = monitor.last;
        if (!s || !s.quality.overall.records) return;
        for (const [src, q] of Object.entries(s.quality.sources)) this.set({ source: src }, q.score);
        this.set({ source: 'all' }, s.quality.overall.score);
      },
    });
    // Labelled by the source's name in the sources file (at most MAX_REPORTED_SOURCES of them).
    new client.Gauge({
      name: 'dealerscope_source_parse_coverage_ratio',
      help: "Fields the adapter filled ÷ fields the source format carries, over the lots of the source's latest run that read any",
      labelNames: ['source'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [src, q] of Object.entries(monitor.last?.scrapes ?? {}))
          if (q.parseCoverage.ratio !== null) this.set({ source: src }, q.parseCoverage.ratio);
      },
    });
    new client.Gauge({
      name: 'dealerscope_source_contract_compliance_ratio',
      help: "Lots passing the listing contract ÷ lots validated, in the source's latest run that read any",
      labelNames: ['source'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [src, q] of Object.entries(monitor.last?.scrapes ?? {}))
          if (q.compliance.ratio !== null) this.set({ source: src }, q.compliance.ratio);
      },
    });
    new client.Gauge({
      name: 'dealerscope_source_last_run_failed',
      help: "1 when the source's latest run could not read the source (layout changed, refused, unreachable), else 0",
      labelNames: ['source'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [src, q] of Object.entries(monitor.last?.scrapes ?? {}))
          this.set({ source: src }, q.lastRun.outcome === 'failed' ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'dealerscope_anomaly_false_positive_ratio',
      help: 'Flagged listings an operator cleared as false positives ÷ flagged listings reviewed (operator verdicts only)',
      registers: [registry],
      collect() {
        this.reset();
        const r = monitor.last?.anomalies.falsePositiveRatio;
        if (r !== null && r !== undefined) this.set(r);
      },
    });
    new client.Gauge({
      name: 'dealerscope_anomaly_reviewed',
      help: 'Flagged listings with an operator verdict (the sample the false-positive ratio rests on)',
      registers: [registry],
      collect() {
        this.reset();
        const n = monitor.last?.anomalies.reviewed;
        if (n !== undefined) this.set(n);
      },
    });
    new client.Gauge({
      name: 'dealerscope_provenance_coverage_ratio',
      help: 'Published fields with a provenance record ÷ fields published',
      registers: [registry],
      collect() {
        this.reset();
        const r = monitor.last?.provenance.coverageRatio;
        if (r !== null && r !== undefined) this.set(r);
      },
    });
  }
}
