// Opportunity reads with personal numbers. A dealer's figures differ from the stored ones
// (transport to their ZIP, their recon and targets), so filters and sorts on those figures run
// over the personalised set in memory. That set is built once per dealer, profile version and
// data version and kept in a small LRU: a profile change or an import makes a new key, never a
// stale answer.
import { LRUCache } from 'lru-cache';
import type { ArbitrageParams } from '../config/index.js';
import type { CursorPosition, ListFilters, Opportunity, PersonalListRequest, PersonalPage, Sort } from '../opportunities/index.js';
import { dbBool, type Db } from '../storage/index.js';
import { personalize, viewerOf, type Personal, type WorkspaceRow } from './personal.js';
import type { Dealer } from './profile.js';

/** Headroom of an opportunity without a ceiling sorts after every real one. */
const NO_HEADROOM = Number.MIN_SAFE_INTEGER;

const SORT_KEY: Record<Sort, { key: (p: Personal) => number; dir: 'asc' | 'desc' }> = {
  newest: { key: (p) => p.createdAt, dir: 'desc' },
  profit: { key: (p) => p.profitCents, dir: 'desc' },
  roi: { key: (p) => p.roiBp, dir: 'desc' },
  score: { key: (p) => p.score, dir: 'desc' },
  ending: { key: (p) => p.endsAt, dir: 'asc' },
  headroom: { key: (p) => p.headroomCents ?? NO_HEADROOM, dir: 'desc' },
};

export function workspaceRows(db: Db) {
  return db.kysely
    .selectFrom('opportunities')
    .innerJoin('listings', 'listings.id', 'opportunities.listing_id')
    .selectAll('opportunities')
    .select(['listings.buyer_premium_bp as premium_bp', 'listings.latitude as latitude', 'listings.longitude as longitude']);
}

export function matchesFilters(p: Personal, f: ListFilters, maxMiles: number | null): boolean {
  const r = p.row;
  const o = p.opportunity;
  if (maxMiles !== null && p.miles > maxMiles) return false;
  if (f.state !== undefined && r.state !== f.state) return false;
  if (f.makeKey !== undefined && r.make_key !== f.makeKey) return false;
  if (f.modelKey !== undefined && r.model_key !== f.modelKey) return false;
  if (f.source !== undefined && r.source !== f.source) return false;
  if (f.status !== undefined && o.status !== f.status) return false;
  if (f.minProfitCents !== undefined && p.profitCents < f.minProfitCents) return false;
  if (f.minRoiBp !== undefined && p.roiBp < f.minRoiBp) return false;
  if (f.maxRisk !== undefined && r.risk_score > f.maxRisk) return false;
  if (f.yearMin !== undefined && r.year < f.yearMin) return false;
  if (f.yearMax !== undefined && r.year > f.yearMax) return false;
  if (f.endsBeforeMs !== undefined && p.endsAt >= f.endsBeforeMs) return false;
  if (f.minHeadroomCents !== undefined && (p.headroomCents === null || p.headroomCents < f.minHeadroomCents)) return false;
  if (f.unflaggedOnly && p.rankTier !== 0) return false;
  return true;
}

function after(p: Personal, sort: Sort, pos: CursorPosition): boolean {
  const tier = pos.tier ?? 0;
  if (p.rankTier !== tier) return p.rankTier > tier;
  const { key, dir } = SORT_KEY[sort];
  const k = key(p);
  const id = p.opportunity.id;
  if (k !== pos.key) return dir === 'desc' ? k < pos.key : k > pos.key;
  return dir === 'desc' ? id < pos.id : id > pos.id;
}

/** A filtered, sorted personal list and the earliest auction end in it (when it next shrinks). */
interface Matched {
  list: Personal[];
  nextEndMs: number;
}

const earliestEnd = (list: Personal[]) => list.reduce((m, p) => Math.min(m, p.endsAt), Number.POSITIVE_INFINITY);

export class WorkspaceReads {
  private readonly sets: LRUCache<string, Promise<Personal[]>>;
  // Filtering and sorting the whole personal set took most of a personal list request; the result
  // for one (set, sort, filters) is kept too, under the same set key, so it is never stale either.
  private readonly matched: LRUCache<string, Promise<Matched>>;

  constructor(
    private readonly deps: {
      db: Db;
      params: ArbitrageParams;
      now: () => number;
      dataVersion: () => number;
      maxSets?: number;
      maxMatched?: number;
    },
  ) {
    this.sets = new LRUCache({ max: deps.maxSets ?? 32 });
    this.matched = new LRUCache({ max: deps.maxMatched ?? 512 });
  }

  /** The cache key: the dealer (0 for the default), its profile version and the data version. */
  keyOf(dealer: Dealer | null): string {
    return `${dealer?.id ?? 0}:${dealer?.version ?? 0}:${this.deps.dataVersion()}`;
  }

  private all(dealer: Dealer | null): Promise<Personal[]> {
    const key = this.keyOf(dealer);
    let set = this.sets.get(key);
    if (!set) {
      const viewer = viewerOf(dealer, this.deps.params);
      set = workspaceRows(this.deps.db)
        .where('opportunities.is_active', '=', dbBool(this.deps.db, true))
        .execute()
        .then((rows) => rows.map((r) => personalize(r as WorkspaceRow, viewer, this.deps.params)));
      set.catch(() => this.sets.delete(key));
      this.sets.set(key, set);
    }
    return set;
  }

  /** Filtered and sorted personal numbers (rank tier first, then the sort, then id). */
  async matching(dealer: Dealer | null, sort: Sort, filters: ListFilters): Promise<Personal[]> {
    const now = this.deps.now();
    const cacheKey = `${this.keyOf(dealer)}|${sort}|${JSON.stringify(filters)}`;
    let entry = this.matched.get(cacheKey);
    if (!entry) {
      const maxMiles = dealer?.maxMiles ?? null;
      const { key, dir } = SORT_KEY[sort];
      const sign = dir === 'desc' ? -1 : 1;
      entry = this.all(dealer).then((all) => {
        const list = all
          .filter((p) => p.endsAt > now && matchesFilters(p, filters, maxMiles))
          .sort((a, b) => a.rankTier - b.rankTier || sign * (key(a) - key(b)) || sign * (a.opportunity.id - b.opportunity.id));
        return { list, nextEndMs: earliestEnd(list) };
      });
      entry.catch(() => this.matched.delete(cacheKey));
      this.matched.set(cacheKey, entry);
    }
    const m = await entry;
    // Auctions end between imports: drop the ended ones (order is kept) when the clock passes one.
    if (m.nextEndMs <= now) {
      m.list = m.list.filter((p) => p.endsAt > now);
      m.nextEndMs = earliestEnd(m.list);
    }
    return m.list;
  }

  async keysetPage(dealer: Dealer | null, req: PersonalListRequest, from: CursorPosition | null): Promise<PersonalPage> {
    const all = await this.matching(dealer, req.sort, req.filters);
    // The list is in cursor order, so everything from the first row past the cursor is the rest.
    const start = from ? all.findIndex((p) => after(p, req.sort, from)) : 0;
    const rest = start < 0 ? [] : start === 0 ? all : all.slice(start);
    const page = rest.slice(0, req.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((p) => p.opportunity),
      total: all.length,
      hasMore: rest.length > req.limit,
      last: last ? { key: SORT_KEY[req.sort].key(last), id: last.opportunity.id, tier: last.rankTier } : null,
      source: all,
    };
  }

  async offsetPage(dealer: Dealer | null, req: PersonalListRequest, page: number): Promise<{ items: Opportunity[]; total: number }> {
    const all = await this.matching(dealer, req.sort, req.filters);
    return { items: all.slice((page - 1) * req.limit, page * req.limit).map((p) => p.opportunity), total: all.length };
  }

  /** One opportunity with personal numbers (ended ones too, as the detail API shows them). */
  async detail(dealer: Dealer | null, id: number): Promise<Personal | null> {
    const row = await workspaceRows(this.deps.db)
      .where('opportunities.id', '=', id)
      .where((eb) => eb.or([eb('opportunities.is_active', '=', dbBool(this.deps.db, true)), eb('opportunities.status', '=', 'ended')]))
      .executeTakeFirst();
    return row ? personalize(row as WorkspaceRow, viewerOf(dealer, this.deps.params), this.deps.params, { detail: true }) : null;
  }

  /** Personal numbers of given opportunities, straight from the database (alerts; never cached). */
  async some(dealer: Dealer | null, ids: number[]): Promise<Personal[]> {
    if (ids.length === 0) return [];
    const viewer = viewerOf(dealer, this.deps.params);
    const out: Personal[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await workspaceRows(this.deps.db)
        .where('opportunities.id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.push(personalize(r as WorkspaceRow, viewer, this.deps.params));
    }
    return out;
  }
}
