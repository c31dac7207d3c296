// Dealer API keys (API_RATE_LIMITING): issued and revoked by the CLI, sent as `X-API-Key`, each
// with its own per-minute quota. Only a SHA-256 of the key is stored: keys are 32 random bytes,
// so a fast hash is enough (there is nothing to brute-force) and lookups stay one indexed query.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../storage/db.js';

export const DEFAULT_KEY_QUOTA_PER_MINUTE = 600;
const KEY_SHAPE = /^dsk_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyInfo {
  keyId: string;
  name: string;
  quotaPerMinute: number;
  createdAt: number;
  revokedAt: number | null;
}

export interface IssuedKey extends ApiKeyInfo {
  /** The whole key; shown once and never stored. */
  key: string;
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function looksLikeApiKey(value: string): boolean {
  return KEY_SHAPE.test(value);
}

export async function issueApiKey(db: Db, name: string, quotaPerMinute: number, now: number): Promise<IssuedKey> {
  if (!name.trim() || name.length > 100) throw new Error('key name must be 1–100 characters');
  if (!Number.isInteger(quotaPerMinute) || quotaPerMinute < 1 || quotaPerMinute > 1_000_000) throw new Error('quota must be an integer 1–1000000 per minute');
  const keyId = randomBytes(8).toString('hex').slice(0, 10);
  const key = `dsk_${keyId}_${randomBytes(32).toString('base64url')}`;
  await db.kysely.insertInto('api_keys').values({
    key_id: keyId, key_hash: hashApiKey(key), name: name.trim(), quota_per_minute: quotaPerMinute, created_at: now, revoked_at: null,
  }).execute();
  return { key, keyId, name: name.trim(), quotaPerMinute, createdAt: now, revokedAt: null };
}

/** Returns false when no active key has that id. */
export async function revokeApiKey(db: Db, keyId: string, now: number): Promise<boolean> {
  const res = await db.kysely.updateTable('api_keys').set({ revoked_at: now })
    .where('key_id', '=', keyId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const rows = await db.kysely.selectFrom('api_keys').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ keyId: r.key_id, name: r.name, quotaPerMinute: r.quota_per_minute, createdAt: Number(r.created_at), revokedAt: r.revoked_at === null ? null : Number(r.revoked_at) }));
}

/** The active key a request presented, or null for a malformed, unknown or revoked key. */
export async function findActiveKey(db: Db, key: string): Promise<ApiKeyInfo | null> {
  if (!looksLikeApiKey(key)) return null;
  const row = await db.kysely.selectFrom('api_keys').selectAll().where('key_hash', '=', hashApiKey(key)).executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  return { keyId: row.key_id, name: row.name, quotaPerMinute: row.quota_per_minute, createdAt: Number(row.created_at), revokedAt: null };
}
