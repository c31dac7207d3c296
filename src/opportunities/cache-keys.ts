// Cache keys: the data version first, so an ingest moves every reader to a fresh key space at once,
// then what was asked for in a canonical spelling (filter order never splits one query into two keys).
import { hash } from 'node:crypto';
import type { CursorPosition } from './cursor.js';
import type { ListFilters } from './list-query.js';
import type { PageRequest } from './repository.js';

// A frozen filter object (the route's remembered parse of a query string) cannot change, so its
// canonical text is worked out once rather than sorted and serialised on every request.
const canonical = new WeakMap<ListFilters, string>();

function canonicalFilters(f: ListFilters): string {
  let text = canonical.get(f);
  if (text === undefined) {
    const keys = Object.keys(f).sort() as Array<keyof ListFilters>;
    text = JSON.stringify(keys.filter((k) => f[k] !== undefined).map((k) => [k, f[k]]));
    if (Object.isFrozen(f)) canonical.set(f, text);
  }
  return text;
}

// Hashing keeps keys short and bounded whatever the filters spell. The same few hundred queries
// come again and again, so their digests are remembered (bounded: the spelling is the client's).
const digests = new Map<string, string>();
const DIGESTS_KEPT = 4096;
function digest(s: string): string {
  let d = digests.get(s);
  if (d === undefined) {
    d = hash('sha1', s, 'base64url');
    if (digests.size >= DIGESTS_KEPT) digests.clear();
    digests.set(s, d);
  }
  return d;
}

export const cacheKeys = {
  keyset: (version: number, req: PageRequest, after: CursorPosition | null) =>
    `v${version}:ks:${digest(`${req.sort}|${req.limit}|${after ? `${after.key}/${after.id}` : '-'}|${canonicalFilters(req.filters)}`)}`,
  offset: (version: number, req: PageRequest, page: number) =>
    `v${version}:pg:${digest(`${req.sort}|${req.limit}|${page}|${canonicalFilters(req.filters)}`)}`,
  total: (version: number, filters: ListFilters) => `v${version}:n:${digest(canonicalFilters(filters))}`,
  detail: (version: number, id: number) => `v${version}:d:${id}`,
};

/**
 * What a key is asked for, whatever the data version: after an ingest the same queries stay
 * popular, so their counts carry over to the new version's keys (`v12:pg:…` and `r:v12:pg:…`
 * count as `pg:…` and `r:pg:…`).
 */
export function popularityKey(key: string): string {
  const from = key.startsWith('r:') ? 2 : 0;
  return key.slice(0, from) + key.slice(key.indexOf(':', from) + 1);
}
