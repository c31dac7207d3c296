// `dealerscope provenance verify ID`: re-runs the extractor that provenance names on the stored
// snapshot and compares what it reads with what is stored for the listing, field by field.
// Source adapters are re-run whole through their public interface, with a fetcher that answers
// every URL from the evidence store (the recorded snapshot for the recorded page, the snapshot
// that URL served at the time for any other page), so the check exercises the same code path
// that produced the listing. Uploaded feeds are re-read by the feed reader.
import {
  detectFeedFormat,
  FEED_EXTRACTOR_VERSION,
  loadScraping,
  parseListingFeed,
  type FetchedPage,
  type RequestSpec,
  type SourceFetcher,
} from '../ingest/index.js';
import type { PageRenderer, RenderedPage } from '../ingest/index.js';
import { listingFromRow } from '../opportunities/index.js';
import type { ListingInput } from '../opportunities/index.js';
import { LISTING_FIELD_PATHS, LISTING_FIELDS, readStoredFields } from '../quality/index.js';
import { systemClock, type Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { normalizeHash } from './hash.js';
import { SnapshotCorruptError, type EvidenceStore } from './store.js';

export interface FieldCheck {
  field: string;
  stored: unknown;
  extracted: unknown;
  match: boolean;
  locator: string | null;
}

export interface VerifyReport {
  opportunityId: number | null;
  listingId: number;
  source: string;
  lotId: string;
  sourceUrl: string;
  snapshotHash: string;
  evidenceLocation: string;
  recordedExtractor: string;
  rerunExtractor: string | null;
  outcome: 'match' | 'drift' | 'evidence_missing';
  fields: FieldCheck[];
  notes: string[];
}

export class VerifyError extends Error {}

export interface VerifyDeps {
  db: Db;
  evidence: Pick<EvidenceStore, 'get' | 'hashesOf' | 'location'>;
  env: NodeJS.ProcessEnv;
}

// Pages fetched after the recorded one in the same run count as "at the time".
const SAME_RUN_MS = 30 * 60_000;

const norm = (v: unknown) => (v instanceof Date ? v.toISOString() : v === undefined ? null : v);

async function locate(
  db: Db,
  ref: { opportunityId?: number; listingId?: number },
): Promise<{ opportunityId: number | null; listingId: number }> {
  if (ref.listingId !== undefined) return { opportunityId: null, listingId: ref.listingId };
  const opp = await db.kysely
    .selectFrom('opportunities')
    .select(['id', 'listing_id'])
    .where('id', '=', ref.opportunityId!)
    .executeTakeFirst();
  if (!opp) throw new VerifyError(`no opportunity ${ref.opportunityId}`);
  return { opportunityId: Number(opp.id), listingId: Number(opp.listing_id) };
}

export async function verifyProvenance(deps: VerifyDeps, ref: { opportunityId?: number; listingId?: number }): Promise<VerifyReport> {
  const { opportunityId, listingId } = await locate(deps.db, ref);
  const [prov, listingRow] = await Promise.all([
    deps.db.kysely.selectFrom('quality_provenance').selectAll().where('listing_id', '=', listingId).executeTakeFirst(),
    deps.db.kysely.selectFrom('listings').selectAll().where('id', '=', listingId).executeTakeFirst(),
  ]);
  if (!prov || !listingRow) throw new VerifyError(`listing ${listingId} has no recorded provenance`);
  const report: VerifyReport = {
    opportunityId,
    listingId,
    source: prov.source,
    lotId: prov.lot_id,
    sourceUrl: prov.source_url,
    snapshotHash: prov.snapshot_hash,
    evidenceLocation: deps.evidence.location,
    recordedExtractor: prov.extractor_version,
    rerunExtractor: null,
    outcome: 'evidence_missing',
    fields: [],
    notes: [],
  };
  const hash = normalizeHash(prov.snapshot_hash);
  if (!hash) {
    report.notes.push(`provenance names no snapshot hash ("${prov.snapshot_hash}")`);
    return report;
  }
  let snapshot;
  try {
    snapshot = await deps.evidence.get(hash);
  } catch (err) {
    if (!(err instanceof SnapshotCorruptError)) throw err;
    report.notes.push(err.message);
    return report;
  }
  if (!snapshot) {
    report.notes.push(`snapshot ${hash} is not in ${deps.evidence.location} (never stored, or removed after its retention)`);
    return report;
  }
  const fetchedAt = Number(prov.fetched_at);
  let extracted: { listing: ListingInput; locators: Record<string, string | undefined> } | { rejected: string } | null;
  if (prov.extractor_version === FEED_EXTRACTOR_VERSION) {
    report.rerunExtractor = FEED_EXTRACTOR_VERSION;
    const name = decodeURIComponent(prov.source_url.replace(/^urn:dealerscope:feed:/, ''));
    const parsed = parseListingFeed(snapshot.bytes, detectFeedFormat(name, snapshot.bytes), { now: new Date(fetchedAt) });
    const hit = parsed.accepted.find((a) => a.listing.source === prov.source && a.listing.lotId === prov.lot_id);
    const miss = parsed.rejected.find((r) => r.lotId === prov.lot_id);
    extracted = hit ? { listing: hit.listing, locators: {} } : miss ? { rejected: miss.reason } : null;
  } else if (prov.origin.startsWith('source:')) {
    extracted = await replaySource(
      deps,
      prov.origin.slice('source:'.length),
      { url: prov.source_url, hash, fetchedAt },
      prov.source,
      prov.lot_id,
      report,
    );
  } else {
    throw new VerifyError(
      `extractor ${prov.extractor_version} (origin ${prov.origin}) cannot be re-run: it is neither the feed reader nor a configured source adapter`,
    );
  }
  report.outcome = 'drift';
  if (extracted === null) {
    report.notes.push(`re-extraction did not find lot ${prov.lot_id} of ${prov.source} in the snapshot`);
    return report;
  }
  if ('rejected' in extracted) {
    report.notes.push(`re-extraction rejects lot ${prov.lot_id}: ${extracted.rejected}`);
    return report;
  }
  if (report.rerunExtractor !== prov.extractor_version)
    report.notes.push(`recorded extractor ${prov.extractor_version}; this build's is ${report.rerunExtractor}`);
  const stored = listingFromRow(listingRow);
  const storedFields = readStoredFields(prov.fields_json);
  const kept: string[] = [];
  for (const f of LISTING_FIELDS) {
    const a = norm(stored[f]);
    const b = norm(extracted.listing[f]);
    // A field this file had no column for kept the value an earlier import stored (kept-fields.ts):
    // this snapshot cannot confirm it, nor contradict it.
    const wasKept = storedFields[f]?.m === 'imputed' && storedFields[f]?.i?.includes('stored listing') === true;
    if (wasKept) kept.push(LISTING_FIELD_PATHS[f]);
    report.fields.push({
      field: LISTING_FIELD_PATHS[f],
      stored: a,
      extracted: b,
      match: wasKept || JSON.stringify(a) === JSON.stringify(b),
      locator: storedFields[f]?.l ?? null,
    });
  }
  if (kept.length) report.notes.push(`kept from an earlier import, not in this snapshot: ${kept.join(', ')}`);
  const differ = report.fields.some((c) => !c.match);
  report.outcome = differ || report.rerunExtractor !== prov.extractor_version ? 'drift' : 'match';
  return report;
}

async function replaySource(
  deps: VerifyDeps,
  name: string,
  page: { url: string; hash: string; fetchedAt: number },
  source: string,
  lotId: string,
  report: VerifyReport,
) {
  const { adapterFor, apiKeyFor, BudgetExhaustedError, evidenceKey, hostPolicyFor, loadSourcesConfig } = await loadScraping();
  const cfg = loadSourcesConfig(deps.env);
  const s = cfg.sources.find((x) => x.name === name);
  if (!s) throw new VerifyError(`source ${name} is not in the sources section (DEALERSCOPE_SOURCES_FILE): its extractor cannot be rebuilt`);
  const adapter = adapterFor(s);
  // Each request is answered with what it got at the time: the recorded snapshot when the request
  // served it, else the newest snapshot that request got by the end of the run.
  const serve = async (key: string) => {
    const all = await deps.evidence.hashesOf(key);
    const hashes = all.includes(page.hash) ? [page.hash] : [...(await deps.evidence.hashesOf(key, page.fetchedAt + SAME_RUN_MS)), ...all];
    for (const h of hashes) {
      const snap = await deps.evidence.get(h).catch(() => null);
      if (snap) return snap;
    }
    // Adapters stop paging (and skip detail pages) when the budget runs out: a page that was never
    // stored ends the replay there instead of failing it.
    throw new BudgetExhaustedError(`${key}: no stored snapshot`);
  };
  const answer = async (url: string, spec: RequestSpec): Promise<FetchedPage> => {
    const snap = await serve(evidenceKey(url, spec));
    return {
      url,
      status: 200,
      body: snap.bytes.toString('utf8'),
      fetchedAt: new Date(page.fetchedAt),
      hash: snap.hash,
      notModified: false,
      headers: {},
    };
  };
  const fetcher = {
    get: (url: string, accept?: string) => answer(url, { accept }),
    request: (url: string, spec: RequestSpec = {}) => answer(url, spec),
  } as unknown as SourceFetcher;
  const renderer: PageRenderer = {
    async render(url: string): Promise<RenderedPage> {
      const snap = await serve(evidenceKey(url));
      return { url, status: 200, html: snap.bytes.toString('utf8'), fetchedAt: new Date(page.fetchedAt), hash: snap.hash };
    },
  };
  const clock: Clock = { now: () => page.fetchedAt, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms) };
  // No request leaves the process; the key is passed only because adapters refuse to start without one.
  const apiKey = s.apiKeyEnv ? (apiKeyFor(s, (n) => deps.env[n]) ?? 'not-needed-for-a-replay') : null;
  const result = await adapter.collect({ fetcher, renderer, policy: hostPolicyFor(s, cfg), clock, apiKey });
  const hit = result.batch.accepted.find((a) => a.listing.source === source && a.listing.lotId === lotId);
  report.rerunExtractor = hit?.origin?.extractorVersion ?? result.batch.accepted[0]?.origin?.extractorVersion ?? null;
  if (hit) return { listing: hit.listing, locators: hit.origin?.locators ?? {} };
  const miss = result.batch.rejected.find((r) => r.lotId === lotId);
  return miss ? { rejected: miss.reason } : null;
}
