// Per auction source, what /api/quality and /metrics show of its scrapes: the latest run's parse
// coverage and contract compliance and the 7-day totals, read from ingest_source_runs (written by
// ingest/scheduler/run-store.ts). Quality reads the stored rows and report JSON; it never imports
// ingest, which sits above it.
import type { Db } from '../storage/index.js';

export const SOURCE_WINDOW_MS = 7 * 86_400_000;
/** At most this many sources are reported (metric labels stay bounded whatever the history holds). */
export const MAX_REPORTED_SOURCES = 50;

/** The part of a stored run report (ingest's SourceRunReport as JSON) read here. */
interface StoredRunReport {
  errors?: string[];
  coverage?: { fields?: Record<string, number> } | null;
}

export interface SourceQuality {
  kind: string;
  lastRun: {
    at: string;
    outcome: string;
    pages: number;
    found: number;
    accepted: number;
    skipped: number;
    rejected: number;
    quarantined: number;
    errors: string[];
  };
  /** Of the latest run that read lots: fields filled ÷ fields the format carries. */
  parseCoverage: { filled: number; available: number; ratio: number | null; fields: Record<string, number> };
  /** Of the latest run that read lots: lots passing the contract ÷ lots validated. */
  compliance: { validated: number; passed: number; ratio: number | null };
  window: {
    runs: number;
    failed: number;
    found: number;
    accepted: number;
    rejected: number;
    quarantined: number;
    parseCoverage: number | null;
    compliance: number | null;
  };
}

const COUNTS = [
  'id',
  'source',
  'kind',
  'finished_at',
  'outcome',
  'pages',
  'found',
  'accepted',
  'skipped',
  'rejected',
  'quarantined',
  'fields_available',
  'fields_filled',
] as const;

/** Per configured source, over the last 7 days of runs. Reports are read only for the runs shown. */
export async function sourceQuality(db: Db, now: number): Promise<Record<string, SourceQuality>> {
  const rows = await db.kysely
    .selectFrom('ingest_source_runs')
    .select(COUNTS)
    .where('finished_at', '>', now - SOURCE_WINDOW_MS)
    .orderBy('finished_at', 'desc')
    .orderBy('id', 'desc')
    .limit(20_000)
    .execute();
  const out: Record<string, SourceQuality> = {};
  const sums = new Map<string, { filled: number; available: number; latest: number; measured: (typeof rows)[number] | null }>();
  for (const r of rows) {
    let q = out[r.source];
    if (!q) {
      if (Object.keys(out).length >= MAX_REPORTED_SOURCES) continue;
      q = out[r.source] = {
        kind: r.kind,
        lastRun: {
          at: new Date(Number(r.finished_at)).toISOString(),
          outcome: r.outcome,
          pages: r.pages,
          found: r.found,
          accepted: r.accepted,
          skipped: r.skipped,
          rejected: r.rejected,
          quarantined: r.quarantined,
          errors: [],
        },
        parseCoverage: { filled: 0, available: 0, ratio: null, fields: {} },
        compliance: { validated: 0, passed: 0, ratio: null },
        window: { runs: 0, failed: 0, found: 0, accepted: 0, rejected: 0, quarantined: 0, parseCoverage: null, compliance: null },
      };
      sums.set(r.source, { filled: 0, available: 0, latest: Number(r.id), measured: null });
    }
    const w = q.window;
    w.runs += 1;
    if (r.outcome === 'failed') w.failed += 1;
    w.found += r.found;
    w.accepted += r.accepted;
    w.rejected += r.rejected;
    w.quarantined += r.quarantined;
    const f = sums.get(r.source)!;
    f.filled += r.fields_filled;
    f.available += r.fields_available;
    // "Latest" figures come from the latest run that read lots: a failed run has nothing to measure.
    if (!f.measured && r.outcome !== 'failed' && r.fields_available > 0) f.measured = r;
  }
  const wanted = [...sums.values()].flatMap((f) => [f.latest, ...(f.measured ? [Number(f.measured.id)] : [])]);
  const reports = new Map<number, StoredRunReport>();
  for (let i = 0; i < wanted.length; i += 200) {
    const got = await db.kysely
      .selectFrom('ingest_source_runs')
      .select(['id', 'report_json'])
      .where('id', 'in', wanted.slice(i, i + 200))
      .execute();
    for (const g of got) reports.set(Number(g.id), JSON.parse(g.report_json) as StoredRunReport);
  }
  for (const [source, q] of Object.entries(out)) {
    const f = sums.get(source)!;
    q.lastRun.errors = reports.get(f.latest)?.errors ?? [];
    const m = f.measured;
    if (m) {
      const fields = reports.get(Number(m.id))?.coverage?.fields ?? {};
      q.parseCoverage = { filled: m.fields_filled, available: m.fields_available, ratio: m.fields_filled / m.fields_available, fields };
      const validated = m.accepted + m.quarantined;
      q.compliance = { validated, passed: m.accepted, ratio: validated ? m.accepted / validated : null };
    }
    q.window.parseCoverage = f.available ? f.filled / f.available : null;
    const validated = q.window.accepted + q.window.quarantined;
    q.window.compliance = validated ? q.window.accepted / validated : null;
  }
  return out;
}
