// The report of one source run, as `dealerscope sources run` prints it, the worker logs it and
// ingest_source_runs keeps it: what was read, what landed, what did not and why.
import type { ImportSummary } from '../import-service.js';
import type { CollectResult, SourceKind } from '../sources/types.js';
import type { CoverageSummary } from '../sources/parse-coverage.js';

/** Listed one by one in a report; the rest are counted (every reject is kept in import_rejects). */
const LISTED = 50;

export interface SourceRunReport {
  source: string;
  kind: SourceKind;
  /** ok: every lot found landed or was skipped; partial: some were rejected or quarantined; failed: the source could not be read. */
  outcome: 'ok' | 'partial' | 'failed';
  startedAt: string;
  durationMs: number;
  pages: number;
  requests: number;
  notModified: number;
  /** Lots the source listed: accepted + skipped + rejected + quarantined. */
  found: number;
  /** Landed: stored and published. */
  accepted: number;
  /** Not candidates (not a vehicle, sold, closed, a currency without a rate), by reason. */
  skipped: number;
  skippedByReason: Record<string, number>;
  /** Unreadable or invalid lots, each with its reason (kept in import_rejects). */
  rejected: number;
  rejects: Array<{ row: number; lotId: string | null; reason: string }>;
  /** Held back by the data contract (see /api/quarantine). */
  quarantined: number;
  created: number;
  updated: number;
  unchanged: number;
  importId: number | null;
  provenanceRecorded: number | null;
  coverage: CoverageSummary | null;
  errors: string[];
  notes: string[];
}

export interface ReportInput {
  source: string;
  kind: SourceKind;
  startedAt: number;
  finishedAt: number;
  collected: CollectResult | null;
  /** The pipeline's summary; null when the run failed. */
  summary: ImportSummary | null;
  importId: number | null;
  requests: number;
  notModified: number;
  errors: string[];
}

/** "not a vehicle: \"Generac…\"" → "not a vehicle": reasons grouped by what precedes the first colon. */
const reasonKind = (r: string) => r.split(':')[0]!.trim().slice(0, 80);

export function buildReport(i: ReportInput): SourceRunReport {
  const c = i.collected;
  const s = i.summary;
  const failed = i.errors.length > 0 || !s;
  const quarantined = s?.quality?.quarantined ?? 0;
  const rejects = c?.batch.rejected ?? [];
  const skippedByReason: Record<string, number> = {};
  for (const k of c?.skipped ?? []) skippedByReason[reasonKind(k.reason)] = (skippedByReason[reasonKind(k.reason)] ?? 0) + 1;
  const accepted = failed ? 0 : Math.max(0, (c?.batch.accepted.length ?? 0) - quarantined);
  const notes = [...(c?.notes ?? [])];
  if (rejects.length > LISTED) notes.push(`${rejects.length - LISTED} more rejects are in import_rejects (import ${i.importId})`);
  return {
    source: i.source,
    kind: i.kind,
    outcome: failed ? 'failed' : rejects.length + quarantined > 0 ? 'partial' : 'ok',
    startedAt: new Date(i.startedAt).toISOString(),
    durationMs: Math.max(0, i.finishedAt - i.startedAt),
    pages: c?.pages ?? 0,
    requests: i.requests,
    notModified: i.notModified,
    found: c ? c.batch.accepted.length + c.batch.rejected.length + c.skipped.length : 0,
    accepted,
    skipped: c?.skipped.length ?? 0,
    skippedByReason,
    rejected: rejects.length,
    rejects: rejects.slice(0, LISTED).map((r) => ({ row: r.row, lotId: r.lotId, reason: r.reason })),
    quarantined: failed ? 0 : quarantined,
    created: s?.created ?? 0,
    updated: s?.updated ?? 0,
    unchanged: s?.unchanged ?? 0,
    importId: i.importId,
    provenanceRecorded: s?.quality?.provenanceRecorded ?? null,
    coverage: c?.coverage ?? null,
    errors: i.errors,
    notes,
  };
}

/** `dealerscope sources run` exit code: 1 a source could not be read, 2 some lots rejected or quarantined, 0 all landed. */
export function exitCodeFor(reports: SourceRunReport[]): 0 | 1 | 2 {
  if (reports.some((r) => r.outcome === 'failed')) return 1;
  if (reports.some((r) => r.outcome === 'partial')) return 2;
  return 0;
}

const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(1)} %`);

/** The report for people: one block per source. */
export function formatReport(r: SourceRunReport): string {
  const lines = [
    `${r.source} (${r.kind}): ${r.outcome.toUpperCase()} in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  pages ${r.pages}, requests ${r.requests} (${r.notModified} not modified)`,
    `  found ${r.found}: accepted ${r.accepted}, skipped ${r.skipped}, rejected ${r.rejected}, quarantined ${r.quarantined}` +
      (r.outcome === 'failed' ? '' : ` (created ${r.created}, updated ${r.updated}, unchanged ${r.unchanged})`),
  ];
  if (r.coverage)
    lines.push(
      `  parse coverage ${pct(r.coverage.ratio)} (${r.coverage.filled} of ${r.coverage.available} fields over ${r.coverage.lots} lots)`,
    );
  for (const [reason, n] of Object.entries(r.skippedByReason)) lines.push(`  skipped ${n}× ${reason}`);
  for (const x of r.rejects) lines.push(`  rejected row ${x.row}${x.lotId ? ` (lot ${x.lotId})` : ''}: ${x.reason}`);
  if (r.quarantined) lines.push(`  quarantined ${r.quarantined}: reasons at GET /api/quarantine`);
  for (const e of r.errors) lines.push(`  error: ${e}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** One log line per run, for the worker and the embedded scheduler. */
export function logLine(r: SourceRunReport): string {
  const head =
    `source ${r.source}: ${r.outcome}; pages ${r.pages}, found ${r.found}, accepted ${r.accepted}, skipped ${r.skipped}, rejected ${r.rejected}, quarantined ${r.quarantined}, ` +
    `requests ${r.requests} (${r.notModified} not modified), coverage ${pct(r.coverage?.ratio ?? null)}`;
  const why = [
    ...r.errors.map((e) => `error: ${e}`),
    ...Object.entries(r.skippedByReason).map(([k, n]) => `skipped ${n}× ${k}`),
    ...r.rejects.slice(0, 5).map((x) => `reject ${x.lotId ?? `row ${x.row}`}: ${x.reason}`),
    ...r.notes,
  ];
  return why.length ? `${head}; ${why.join('; ')}` : head;
}
