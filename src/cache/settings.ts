// Cache settings that are deployment facts rather than runtime flags (the flags —
// ENABLE_PRODUCTION_CACHE, CACHE_PROVIDER, CACHE_MAX_SIZE, … — are read per call elsewhere).
import { getHeapStatistics } from 'node:v8';
import { ConfigError, envInt } from '../common/env.js';

export interface CacheSettings {
  /** Byte budget of the read values' tier (estimated heap bytes): CACHE_MAX_BYTES, else the most it grows to (readTierBytes). */
  maxBytes: number;
  /** CACHE_MAX_BYTES was set: the budget is fixed rather than following CACHE_MAX_SIZE. */
  maxBytesSet: boolean;
  /** Byte budget of the whole responses' tier (their gzip bytes, plus identity bytes once a plain client asks). */
  responseMaxBytes: number;
  /** Prefix of every Redis key and channel this cache uses. */
  keyPrefix: string;
  /** Base TTL; versioned keys make freshness independent of it, so it only bounds memory churn. */
  ttlMs: number;
  /** How long a request waits for Redis before going to the database. */
  redisTimeoutMs: number;
  /** How often the data version is re-read as the safety net behind pub/sub. */
  versionPollMs: number;
}

// The budget of each memory tier: read values held as objects, counted at roughly V8's heap size,
// and whole responses, gzip-compressed (about 5 KB for a page of 50, a seventh of its JSON).
export const DEFAULT_CACHE_MAX_BYTES = 16 * 1024 * 1024;
// Read values are the second chance for requests whose response the full response tier turned
// away, at about six times a response's bytes each (15 KB against 2.4 KB in the sample data's
// mix). Unless CACHE_MAX_BYTES is set, their budget follows the entry bound, between these two.
// At the phase-1 bound of 1,000 entries it trades the after-load RSS gate (120 MB) against the
// hit rate's target (97 % of the top-1000 bound), measured with the sample data's mixed load:
//   - 16 MiB: 125 MB RSS, 99.5 % of the bound;
//   - 8 MiB: 115.2–117.2 MB on SQLite and 116.2–120.7 MB on PostgreSQL with Redis (four runs
//     each, two over the gate), 98.2–98.3 %;
//   - 5 MiB: 113.8–114.4 and 113.9–117.2 MB (three runs each), 97.6–97.9 %. Kept: the hit rate's
//     margin is steady from run to run, the RSS's is not.
// At the phase-4 bound of 5,000 (whose RSS trigger is 200 MB) 8 MiB left PostgreSQL at 96.6 % of
// the top-5000 bound, so there it stays 16 MiB.
const READ_BYTES_PER_ENTRY = 5 * 1024;
const MIN_READ_BYTES = 5 * 1024 * 1024;

/** The read values' byte budget at an entry bound of `entries` (CACHE_MAX_SIZE). */
export function readTierBytes(settings: Pick<CacheSettings, 'maxBytes' | 'maxBytesSet'>, entries: number): number {
  if (settings.maxBytesSet) return settings.maxBytes;
  return Math.min(settings.maxBytes, Math.max(MIN_READ_BYTES, entries * READ_BYTES_PER_ENTRY));
}
// The responses' own budget is sized for the phase-4 entry bound: 5,000 kept responses averaged
// 3.7 KB each (gzip bytes and key) in the benchmark's mix, so at 16 MiB that tier filled at about
// 4,400 entries and the hit rate stayed below what 5,000 entries allow. Response bytes are
// buffers outside the V8 heap, so the heap-share check below does not apply to them.
export const DEFAULT_CACHE_RESPONSE_MAX_BYTES = 24 * 1024 * 1024;

// The read values' tier lives on the V8 heap. A budget past this share of the heap limit leaves
// requests too little room: the process would spend its time in full collections, then die.
const MAX_HEAP_SHARE = 0.25;

const mib = (n: number) => `${Math.round(n / 1024 ** 2)} MiB`;

/** `heapLimitBytes` is this process's V8 heap limit (set by --max-old-space-size). */
export function cacheSettings(env: NodeJS.ProcessEnv, heapLimitBytes = getHeapStatistics().heap_size_limit): CacheSettings {
  const maxBytes = envInt(env, 'CACHE_MAX_BYTES', DEFAULT_CACHE_MAX_BYTES, 64 * 1024, 4 * 1024 ** 3);
  if (maxBytes > heapLimitBytes * MAX_HEAP_SHARE) {
    throw new ConfigError(
      `CACHE_MAX_BYTES=${maxBytes} (${mib(maxBytes)}) is more than a quarter of this process's V8 heap limit ` +
        `(${mib(heapLimitBytes)}): lower it, or raise --max-old-space-size in NODE_OPTIONS`,
    );
  }
  return {
    maxBytes,
    maxBytesSet: env.CACHE_MAX_BYTES !== undefined && env.CACHE_MAX_BYTES.trim() !== '',
    responseMaxBytes: envInt(env, 'CACHE_RESPONSE_MAX_BYTES', DEFAULT_CACHE_RESPONSE_MAX_BYTES, 64 * 1024, 4 * 1024 ** 3),
    keyPrefix: env.CACHE_KEY_PREFIX?.trim() || 'dealerscope:cache:',
    ttlMs: envInt(env, 'CACHE_TTL_MS', 5 * 60_000, 1000, 24 * 3_600_000),
    redisTimeoutMs: envInt(env, 'CACHE_REDIS_TIMEOUT_MS', 50, 5, 5000),
    versionPollMs: envInt(env, 'CACHE_VERSION_POLL_MS', 1000, 50, 1000),
  };
}
