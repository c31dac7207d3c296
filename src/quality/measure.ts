// The quality measurements, read from the database so every replica reports the same: contract
// compliance per source, anomaly false-positive ratio, provenance coverage and the quality score,
// the last two on a sample of the newest records. QualityMonitor (monitor.ts) keeps them fresh.
import { sourceQuality, type SourceQuality } from './scrape-quality.js';
import { listingFromRow, readDataVersion } from '../opportunities/index.js';
import { type Db, dbBool, type KeysetPosition, readKeyset } from '../storage/index.js';
import { validateListing } from './contract/listing-contract.js';
import type { ListingInput } from '../opportunities/index.js';
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

/** The measures read from the sample of newest records: 50 of a pass's 55 queries, and most of its CPU. */
export interface SampleMeasures {
  provenance: QualitySnapshot['provenance'];
  quality: QualityReport;
}

export async function measureSample(db: Db, now: number): Promise<SampleMeasures> {
  const [provenance, records] = await Promise.all([provenanceCoverage(db), qualityRecords(db)]);
  return { provenance, quality: qualityReport(records, now) };
}

/**
 * What the sample's rows change with, read in two indexed lookups: the data version (bumped by
 * every import that stores or unpublishes anything, by re-appraisals — verdicts included — and by
 * the ended-auction sweep) and the newest import, since one that stored nothing new still
 * refreshes provenance fetch times and can quarantine rows.
 */
export async function sampleFingerprint(db: Db): Promise<string> {
  const [version, last] = await Promise.all([
    readDataVersion(db),
    db.kysely
      .selectFrom('imports')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst(),
  ]);
  return `${version}:${Number(last?.id ?? 0)}`;
}

/** `sample` reads the sample's measures; the monitor passes one that reuses an unchanged sample. */
export async function measureQuality(
  db: Db,
  now: number,
  sample: (db: Db, now: number) => Promise<SampleMeasures> = measureSample,
): Promise<QualitySnapshot> {
  const [c, a, s, scrapes] = await Promise.all([compliance(db, now), anomalyRates(db), sample(db, now), sourceQuality(db, now)]);
  return { at: new Date(now).toISOString(), compliance: c, anomalies: a, provenance: s.provenance, quality: s.quality, scrapes };
}
