// Opportunity reads through the `database` breaker. The cache wraps this object, so while the
// breaker is open cached pages are still served and only misses get 503 with Retry-After.
import type { OpportunityReads } from '../opportunities/index.js';
import type { Db } from '../storage/index.js';
import type { Breaker } from './breakers.js';

export function guardedReads(inner: OpportunityReads, breaker: Breaker): OpportunityReads {
  return {
    keysetPage: (req, after) => breaker.execute(() => inner.keysetPage(req, after)),
    offsetPage: (req, page) => breaker.execute(() => inner.offsetPage(req, page)),
    total: (filters) => breaker.execute(() => inner.total(filters)),
    detail: (id) => breaker.execute(() => inner.detail(id)),
  };
}

/** The database breaker's probe: the cheapest query on the table the reads use, so a broken read path is not mistaken for a healthy database. */
export async function databaseReadProbe(db: Db): Promise<void> {
  await db.kysely.selectFrom('opportunities').select('id').limit(1).execute();
}
