// ingest_source_runs: every source run's report. What /api/quality and /metrics read from it per
// source is computed by quality/scrape-quality.ts.
import type { Db } from '../../storage/index.js';
import type { SourceRunReport } from './run-report.js';

const KEEP_MS = 30 * 86_400_000;

export async function recordSourceRun(db: Db, r: SourceRunReport): Promise<void> {
  const finished = Date.parse(r.startedAt) + r.durationMs;
  await db.kysely
    .insertInto('ingest_source_runs')
    .values({
      source: r.source,
      kind: r.kind,
      started_at: Date.parse(r.startedAt),
      finished_at: finished,
      outcome: r.outcome,
      import_id: r.importId,
      pages: r.pages,
      requests: r.requests,
      found: r.found,
      accepted: r.accepted,
      skipped: r.skipped,
      rejected: r.rejected,
      quarantined: r.quarantined,
      errors: r.errors.length,
      fields_available: r.coverage?.available ?? 0,
      fields_filled: r.coverage?.filled ?? 0,
      report_json: JSON.stringify(r).slice(0, 50_000),
    })
    .execute();
  await db.kysely
    .deleteFrom('ingest_source_runs')
    .where('finished_at', '<', finished - KEEP_MS)
    .execute();
}
