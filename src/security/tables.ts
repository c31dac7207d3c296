// Storage of the security capability: dealer API keys (only their hashes) and console sessions
// (only their hashes, with an expiry, so every replica accepts a session any replica issued).
import type { Generated } from 'kysely';

export interface ApiKeysTable {
  id: Generated<number>;
  /** Public identifier shown in listings and logs (`dsk_<key_id>_<secret>` is the whole key). */
  key_id: string;
  /** SHA-256 of the whole key; the key itself is shown once, at issue. */
  key_hash: string;
  name: string;
  quota_per_minute: number;
  created_at: number;
  revoked_at: number | null;
}

export interface ConsoleSessionsTable {
  /** SHA-256 of the cookie value. */
  id_hash: string;
  actor: string;
  created_at: number;
  expires_at: number;
}

export interface SecurityTables {
  api_keys: ApiKeysTable;
  console_sessions: ConsoleSessionsTable;
}

// This capability's tables are part of the shared Database type (see storage/schema.ts).
declare module '../storage/schema.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members come from the heritage clause
  interface Database extends SecurityTables {}
}
