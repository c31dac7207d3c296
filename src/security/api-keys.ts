// Dealer API keys (API_RATE_LIMITING): issued and revoked by the CLI, sent as `X-API-Key`, each
// with its own per-minute quota. Only a SHA-256 of the key is stored: keys are 32 random bytes,
// so a fast hash is enough (there is nothing to brute-force) and lookups stay one indexed query.
import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Db } from '../storage/index.js';

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
  if (!Number.isInteger(quotaPerMinute) || quotaPerMinute < 1 || quotaPerMinute > 1_000_000)
    throw new Error('quota must be an integer 1–1000000 per minute');
  const keyId = randomBytes(8).toString('hex').slice(0, 10);
  const key = `dsk_${keyId}_${randomBytes(32).toString('base64url')}`;
  await db.kysely
    .insertInto('api_keys')
    .values({
      key_id: keyId,
      key_hash: hashApiKey(key),
      name: name.trim(),
      quota_per_minute: quotaPerMinute,
      created_at: now,
      revoked_at: null,
    })
    .execute();
  return { key, keyId, name: name.trim(), quotaPerMinute, createdAt: now, revokedAt: null };
}

/**
 * How long a process trusts what it last read about a presented key (its quota, its dealer and
 * profile) before asking the database again: every keyed request cost one or two indexed queries
 * otherwise. A revocation or profile change made in this process drops every remembered lookup at
 * once (invalidateKeyLookups); one made in another process (another replica, the CLI) is seen
 * here within this long — the flag store's default poll interval, the bound a flag change has.
 */
export const KEY_LOOKUP_TTL_MS = 500;

interface Remembered {
  at: number;
  value: Promise<unknown>;
  /** Set once the lookup has answered, so a caller can read it without a promise. */
  settled?: { v: unknown };
}
// Per database handle, so two services (or tests) in one process never share lookups.
const lookups = new WeakMap<Db, LRUCache<string, Remembered>>();

/**
 * A lookup by presented key, remembered for KEY_LOOKUP_TTL_MS of `now`. Only found keys are kept:
 * a stream of made-up keys must not push real ones out, and an unknown key is rare.
 */
export async function rememberedLookup<T>(
  db: Db,
  kind: string,
  key: string,
  now: number,
  load: () => Promise<T | null>,
): Promise<T | null> {
  let cache = lookups.get(db);
  if (!cache) lookups.set(db, (cache = new LRUCache<string, Remembered>({ max: 10_000 })));
  // The hash, not the key: a heap snapshot must not hold usable keys.
  const slot = `${kind}:${hashApiKey(key)}`;
  const hit = cache.get(slot);
  if (hit && now - hit.at >= 0 && now - hit.at < KEY_LOOKUP_TTL_MS) return hit.value as Promise<T | null>;
  const value = load();
  const entry = { at: now, value };
  cache.set(slot, entry);
  // Misses and failures are not remembered.
  value.then(
    (v) => {
      if (v !== null) (entry as Remembered).settled = { v };
      else if (cache.get(slot) === entry) cache.delete(slot);
    },
    () => {
      if (cache.get(slot) === entry) cache.delete(slot);
    },
  );
  return value;
}

/** What a remembered lookup answered, if it has answered and is still fresh; undefined otherwise. */
function peekLookup<T>(db: Db, kind: string, key: string, now: number): T | undefined {
  const hit = lookups.get(db)?.get(`${kind}:${hashApiKey(key)}`);
  if (!hit?.settled || now - hit.at < 0 || now - hit.at >= KEY_LOOKUP_TTL_MS) return undefined;
  return hit.settled.v as T;
}

/**
 * The active key findActiveKey(db, key, now) found within KEY_LOOKUP_TTL_MS, without a promise
 * (the rate limiter then answers a keyed request synchronously, as it does an anonymous one);
 * undefined when it must be asked.
 */
export function rememberedActiveKey(db: Db, key: string, now: number): ApiKeyInfo | undefined {
  return looksLikeApiKey(key) ? peekLookup<ApiKeyInfo>(db, 'key', key, now) : undefined;
}

/** Forgets every remembered key lookup on this database handle (a key or dealer was revoked or changed). */
export function invalidateKeyLookups(db: Db): void {
  lookups.get(db)?.clear();
}

/** Returns false when no active key has that id. */
export async function revokeApiKey(db: Db, keyId: string, now: number): Promise<boolean> {
  // Forget before and after: a lookup that started before the update must not be kept past it.
  invalidateKeyLookups(db);
  const res = await db.kysely
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('key_id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  invalidateKeyLookups(db);
  return Number(res.numUpdatedRows) > 0;
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const rows = await db.kysely.selectFrom('api_keys').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    keyId: r.key_id,
    name: r.name,
    quotaPerMinute: r.quota_per_minute,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  }));
}

/**
 * The active key a request presented, or null for a malformed, unknown or revoked key. With `now`
 * (the caller's clock) a found key is remembered for KEY_LOOKUP_TTL_MS.
 */
export async function findActiveKey(db: Db, key: string, now?: number): Promise<ApiKeyInfo | null> {
  if (!looksLikeApiKey(key)) return null;
  return now === undefined ? loadActiveKey(db, key) : rememberedLookup(db, 'key', key, now, () => loadActiveKey(db, key));
}

async function loadActiveKey(db: Db, key: string): Promise<ApiKeyInfo | null> {
  const row = await db.kysely.selectFrom('api_keys').selectAll().where('key_hash', '=', hashApiKey(key)).executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  return { keyId: row.key_id, name: row.name, quotaPerMinute: row.quota_per_minute, createdAt: Number(row.created_at), revokedAt: null };
}
