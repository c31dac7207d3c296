// Tables of the ingest capability, written once and rendered with the dialect's column words,
// registered in the migration history as `ingest_001_source_runs` and `ingest_002_seller`.
import type { DialectWords } from '../../storage/index.js';

function sourceRuns(id: string, big: string): string[] {
  return [
    // One row per scrape of a configured source: its report, and the parse coverage and
    // compliance /api/quality and /metrics show per source.
    `CREATE TABLE ingest_source_runs (
      id ${id},
      source TEXT NOT NULL,
      kind TEXT NOT NULL,
      started_at ${big} NOT NULL,
      finished_at ${big} NOT NULL,
      outcome TEXT NOT NULL,
      import_id ${big},
      pages INTEGER NOT NULL,
      requests INTEGER NOT NULL,
      found INTEGER NOT NULL,
      accepted INTEGER NOT NULL,
      skipped INTEGER NOT NULL,
      rejected INTEGER NOT NULL,
      quarantined INTEGER NOT NULL,
      errors INTEGER NOT NULL,
      fields_available INTEGER NOT NULL,
      fields_filled INTEGER NOT NULL,
      report_json TEXT NOT NULL
    )`,
    `CREATE INDEX ingest_source_runs_recent_idx ON ingest_source_runs (finished_at DESC, id DESC)`,
  ];
}

// Who sells a listing (GSA's agency, a GovDeals account's name): ex-government units are told
// from it as well as from their text.
const seller = ['ALTER TABLE listings ADD COLUMN seller_name TEXT'];

export function ingestMigrations({ id, big }: DialectWords): Record<string, string[]> {
  return { ingest_001_source_runs: sourceRuns(id, big), ingest_002_seller: seller };
}
