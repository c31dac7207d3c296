// The read side of opportunities as one interface, so the cache (and breakers) can wrap it
// without the routes knowing. Results are already in API shape: what is cached is what is served.
import type { Db } from '../storage/index.js';
import type { Opportunity } from './api-schema.js';
import type { CursorPosition } from './cursor.js';
import type { ListFilters } from './list-query.js';
import type { Clock } from '../common/clock.js';
import { countOpportunities, findKeysetPage, findOffsetPage, findOpportunityById, positionOf, type PageRequest } from './repository.js';
import { toOpportunity } from './serialize.js';

export interface KeysetPage {
  items: Opportunity[];
  hasMore: boolean;
  /** Position of the last item, for the next cursor. */
  last: CursorPosition | null;
}

export interface OpportunityReads {
  keysetPage(req: PageRequest, after: CursorPosition | null): Promise<KeysetPage>;
  offsetPage(req: PageRequest, page: number): Promise<Opportunity[]>;
  total(filters: ListFilters): Promise<number>;
  detail(id: number): Promise<Opportunity | null>;
}

/** `clock` dates sort=ending's cutoff (the soonest future end); the system clock by default. */
export function databaseReads(db: Db, clock: Pick<Clock, 'now'> = { now: () => Date.now() }): OpportunityReads {
  return {
    async keysetPage(req, after) {
      const { rows, hasMore } = await findKeysetPage(db, req, after, clock.now());
      const lastRow = rows[rows.length - 1];
      return { items: rows.map((r) => toOpportunity(r)), hasMore, last: lastRow ? positionOf(lastRow, req.sort) : null };
    },
    async offsetPage(req, page) {
      return (await findOffsetPage(db, req, page, clock.now())).map((r) => toOpportunity(r));
    },
    total: (filters) => countOpportunities(db, filters),
    async detail(id) {
      const row = await findOpportunityById(db, id);
      return row ? toOpportunity(row, { detail: true }) : null;
    },
  };
}
