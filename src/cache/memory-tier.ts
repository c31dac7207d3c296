// The in-process tier: lru-cache bounded both by entry count (CACHE_MAX_SIZE, changeable at
// runtime) and by an estimated byte budget, so RSS stays bounded whatever the pages weigh.
import { LRUCache } from 'lru-cache';
import type { Clock } from '../common/clock.js';

interface Entry {
  value: unknown;
  bytes: number;
}

// V8 keeps a parsed JSON value in roughly twice the bytes of its text (object headers, hidden
// classes, boxed doubles), and the opportunity routes memoise each cached value's serialised
// text beside it for as long as the entry lives (one more byte per JSON byte).
export const HEAP_BYTES_PER_JSON_BYTE = 3;

/** What an entry costs the byte budget: its payload, its key (UTF-16) and lru-cache's bookkeeping. */
export function entryBytes(payloadBytes: number, key: string): number {
  return payloadBytes + key.length * 2 + 64;
}

/** Estimated heap bytes of a parsed value whose JSON is `jsonLength` characters long. */
export function estimateBytes(jsonLength: number, key: string): number {
  return entryBytes(jsonLength * HEAP_BYTES_PER_JSON_BYTE, key);
}

// How many elements of an array are serialised to estimate the whole.
const SAMPLED = 3;

/**
 * About JSON.stringify(value).length, from a few elements of each array (list pages are arrays
 * of like-shaped opportunities, possibly under `items`), at a fraction of the cost.
 */
export function approximateJsonLength(value: unknown): number {
  if (Array.isArray(value)) {
    if (value.length <= SAMPLED) return JSON.stringify(value).length;
    const sample = JSON.stringify(value.slice(0, SAMPLED)).length - 2;
    return Math.ceil((sample / SAMPLED) * value.length) + 2;
  }
  if (value !== null && typeof value === 'object') {
    let n = 2;
    for (const [k, v] of Object.entries(value)) n += k.length + 4 + (v === undefined ? 0 : approximateJsonLength(v));
    return n;
  }
  return JSON.stringify(value ?? null).length;
}

export class MemoryTier {
  private lru: LRUCache<string, Entry>;
  evictions = 0;

  constructor(
    private maxEntries: number,
    private maxBytes: number,
    private readonly clock: Clock,
    private readonly onEvict: (count: number) => void = () => {},
  ) {
    this.lru = this.build(maxEntries);
  }

  private build(max: number): LRUCache<string, Entry> {
    return new LRUCache<string, Entry>({
      max,
      // lru-cache wants whole numbers for both.
      maxSize: Math.max(1, Math.floor(this.maxBytes)),
      sizeCalculation: (e) => Math.max(1, Math.ceil(e.bytes)),
      // lru-cache reads time through `perf`, so TTL expiry follows the injected clock in tests.
      perf: { now: () => this.clock.now() },
      ttlResolution: 0,
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') this.countEvictions(1);
      },
    });
  }

  /**
   * lru-cache fixes both bounds at construction; a changed CACHE_MAX_SIZE (or the byte budget that
   * follows it) moves the newest entries that fit to a new cache.
   */
  resize(maxEntries: number, maxBytes = this.maxBytes): void {
    if (maxEntries === this.maxEntries && maxBytes === this.maxBytes) return;
    const old = this.lru;
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.lru = this.build(maxEntries);
    // entries() walks newest first; insert oldest first so recency order survives.
    const kept: Array<[string, Entry, number]> = [];
    let bytes = 0;
    for (const [key, e] of old.entries()) {
      if (kept.length >= maxEntries || bytes + e.bytes > maxBytes) break;
      bytes += e.bytes;
      kept.push([key, e, old.getRemainingTTL(key)]);
    }
    for (const [key, e, ttl] of kept.reverse()) {
      this.lru.set(key, e, Number.isFinite(ttl) && ttl > 0 ? { ttl } : {});
    }
    const dropped = old.size - kept.length;
    if (dropped > 0) this.countEvictions(dropped);
  }

  private countEvictions(n: number): void {
    this.evictions += n;
    this.onEvict(n);
  }

  /** The entry, so a cached `null` (a known 404) is told apart from a miss. */
  get(key: string): { value: unknown } | undefined {
    return this.lru.get(key);
  }

  set(key: string, value: unknown, bytes: number, ttlMs: number): void {
    this.lru.set(key, { value, bytes }, { ttl: ttlMs });
  }

  /** Whether an entry of `bytes` could be held at all (lru-cache refuses one past the budget). */
  fits(bytes: number): boolean {
    return bytes <= this.maxBytes;
  }

  /** Replaces an entry's value and size, keeping its TTL and recency (lru-cache evicts if the budget is passed). */
  grow(key: string, value: unknown, bytes: number): void {
    this.lru.set(key, { value, bytes }, { noUpdateTTL: true });
  }

  /**
   * The entry that storing `bytes` more would evict first (the least recently used), or
   * undefined while both bounds leave room.
   */
  evictionCandidate(bytes: number): string | undefined {
    if (this.lru.size < this.maxEntries && this.lru.calculatedSize + bytes <= this.maxBytes) return undefined;
    return this.lru.rkeys().next().value ?? undefined;
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  get entries(): number {
    return this.lru.size;
  }

  get capacity(): number {
    return this.maxEntries;
  }
}
