// Tables of the incidents capability, written once and rendered with the dialect's column words
// (registered in schema/migrations/history.ts as `incidents_001_tables`). Timestamps are epoch ms;
// flags are 0/1.
import type { DialectWords } from '../storage/index.js';

export function incidentsMigration({ id, big }: DialectWords): string[] {
  return [
    // `open_key` holds the cause while the incident is open and NULL after: the unique index makes
    // "one open incident per cause" a database fact, so replicas raising the same cause join it.
    `CREATE TABLE incidents (
      id ${id},
      cause TEXT NOT NULL,
      open_key TEXT UNIQUE,
      title TEXT NOT NULL,
      detail TEXT,
      user_facing INTEGER NOT NULL,
      status TEXT NOT NULL,
      opened_at ${big} NOT NULL,
      opened_by TEXT NOT NULL,
      acknowledged_at ${big},
      acknowledged_by TEXT,
      resolved_at ${big},
      resolved_by TEXT,
      resolution TEXT,
      notice_at ${big},
      updated_at ${big} NOT NULL
    )`,
    `CREATE INDEX incidents_status_idx ON incidents (status, opened_at)`,
    `CREATE TABLE incident_events (
      id ${id},
      incident_id ${big} NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      at ${big} NOT NULL,
      kind TEXT NOT NULL,
      step INTEGER,
      actor TEXT,
      message TEXT NOT NULL,
      public INTEGER NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at)`,
    // One row per escalation step taken: the primary key is the claim, so across replicas each
    // step is taken (and its messages enqueued) exactly once.
    `CREATE TABLE incident_steps (
      incident_id ${big} NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      claimed_at ${big} NOT NULL,
      claimed_by TEXT NOT NULL,
      outcome TEXT NOT NULL,
      PRIMARY KEY (incident_id, step)
    )`,
    // Each replica's latest readiness, for "failing on every replica for 60 s".
    `CREATE TABLE incident_replica_health (
      replica_id TEXT PRIMARY KEY,
      ready INTEGER NOT NULL,
      failing_since ${big},
      detail TEXT,
      seen_at ${big} NOT NULL
    )`,
  ];
}
