// Opaque keyset cursors: the last row's sort key and id, bound to the query they came from and
// signed, so a tampered cursor or one replayed against another filter/sort is refused.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ListFilters, Sort } from './list-query.js';

export interface CursorPosition {
  /** The sort column's value on the last row served. */
  key: number;
  id: number;
  /** Its rank tier (0 unflagged, 1 flagged); 0 when absent. */
  tier?: number;
}

export class CursorError extends Error {}

/**
 * Stable fingerprint of what the cursor is valid for (filters and sort; limit may change). An
 * absent filter and one present as undefined are the same query, as in the cache key, so a cached
 * page's next cursor fits every request that shares the page.
 */
export function queryFingerprint(sort: Sort, filters: ListFilters): string {
  const keys = (Object.keys(filters) as Array<keyof ListFilters>).filter((k) => filters[k] !== undefined).sort();
  const ordered = keys.map((k) => [k, filters[k]]);
  return createHash('sha256')
    .update(JSON.stringify([sort, ordered]))
    .digest('base64url')
    .slice(0, 16);
}

export class CursorCodec {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('cursor secret is too short');
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, 16);
  }

  encode(fingerprint: string, pos: CursorPosition): string {
    const body = Buffer.from(
      JSON.stringify({ v: 1, q: fingerprint, k: pos.key, i: pos.id, ...(pos.tier ? { t: pos.tier } : {}) }),
    ).toString('base64url');
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  decode(cursor: string, fingerprint: string): CursorPosition {
    const [body, sig, extra] = cursor.split('.');
    if (!body || !sig || extra !== undefined) throw new CursorError('malformed cursor');
    // Compare the canonical text, not decoded bytes: base64url's last character carries unused
    // bits, so decoding would accept several spellings of one signature.
    const given = Buffer.from(sig);
    const expected = Buffer.from(this.sign(body).toString('base64url'));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CursorError('cursor signature does not match');
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new CursorError('malformed cursor');
    }
    const p = parsed as { v?: unknown; q?: unknown; k?: unknown; i?: unknown; t?: unknown };
    if (p.v !== 1 || typeof p.k !== 'number' || !Number.isSafeInteger(p.i) || typeof p.q !== 'string')
      throw new CursorError('malformed cursor');
    if (p.t !== undefined && p.t !== 0 && p.t !== 1) throw new CursorError('malformed cursor');
    if (p.q !== fingerprint) throw new CursorError('cursor belongs to a different query');
    return { key: p.k, id: p.i as number, tier: (p.t as number | undefined) ?? 0 };
  }
}
