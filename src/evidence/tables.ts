// Row types of the evidence capability's tables, for `db.kysely.withTables<EvidenceTables>()`.
import type { SnapshotKind } from '../ingest/index.js';

export interface EvidenceSnapshotsTable {
  /** Lower-case hex SHA-256 of the bytes. */
  hash: string;
  bytes: number;
  content_type: string | null;
  kind: SnapshotKind;
  first_seen_at: number;
  last_seen_at: number;
}

export interface EvidenceSourcesTable {
  url: string;
  hash: string;
  first_seen_at: number;
  last_seen_at: number;
}

// A type alias (not an interface) so Kysely's withTables accepts it.
export type EvidenceTables = {
  evidence_snapshots: EvidenceSnapshotsTable;
  evidence_sources: EvidenceSourcesTable;
};
