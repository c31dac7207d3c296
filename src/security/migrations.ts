// The security capability's tables, written once and rendered with the dialect's column words
// (registered in schema/migrations/history.ts as `security_001_keys_sessions`).
import type { DialectWords } from '../storage/index.js';

export function securityMigration({ id, big }: DialectWords): string[] {
  return [
    `CREATE TABLE api_keys (
    id ${id},
    key_id TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    quota_per_minute INTEGER NOT NULL,
    created_at ${big} NOT NULL,
    revoked_at ${big}
  )`,
    `CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    created_at ${big} NOT NULL,
    expires_at ${big} NOT NULL
  )`,
    `CREATE INDEX console_sessions_expiry_idx ON console_sessions (expires_at)`,
  ];
}
