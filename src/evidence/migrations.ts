// Tables of the evidence capability, written once and rendered with the dialect's column words
// (registered in schema/migrations/history.ts as `evidence_001_index`). The bytes live in the blob store (disk or
// S3); these rows index them for deduplication, retention, size metrics and lookup by URL.
import type { DialectWords } from '../storage/index.js';

export function evidenceMigration({ big }: DialectWords): string[] {
  return [
    `CREATE TABLE evidence_snapshots (
      hash TEXT PRIMARY KEY,
      bytes ${big} NOT NULL,
      content_type TEXT,
      kind TEXT NOT NULL,
      first_seen_at ${big} NOT NULL,
      last_seen_at ${big} NOT NULL
    )`,
    `CREATE INDEX evidence_snapshots_seen_idx ON evidence_snapshots (last_seen_at)`,
    // Which URL served which snapshot when: a replay of a multi-page extractor finds its pages here.
    `CREATE TABLE evidence_sources (
      url TEXT NOT NULL,
      hash TEXT NOT NULL,
      first_seen_at ${big} NOT NULL,
      last_seen_at ${big} NOT NULL,
      PRIMARY KEY (url, hash)
    )`,
    `CREATE INDEX evidence_sources_hash_idx ON evidence_sources (hash)`,
  ];
}
