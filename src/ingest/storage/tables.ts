// Row types of the ingest tables, joined into the shared Database interface (storage/schema.ts).
import type { Generated } from 'kysely';

export interface IngestSourceRunsTable {
  id: Generated<number>;
  source: string;
  kind: string;
  started_at: number;
  finished_at: number;
  outcome: string; // 'ok' | 'partial' | 'failed'
  import_id: number | null;
  pages: number;
  requests: number;
  found: number;
  accepted: number;
  skipped: number;
  rejected: number;
  quarantined: number;
  errors: number;
  fields_available: number;
  fields_filled: number;
  report_json: string;
}

export interface IngestTables {
  ingest_source_runs: IngestSourceRunsTable;
}

// This capability's tables are part of the shared Database type (see storage/schema.ts).
declare module '../../storage/schema.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members come from the heritage clause
  interface Database extends IngestTables {}
}
