// The personal list's cached filter-and-sort: repeated requests share one sorted list, yet an
// auction that ends drops out on the injected clock without an import, and a profile change or an
// import gives a fresh list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { WorkspaceReads } from '../src/dealers/reads.js';
import type { Dealer } from '../src/dealers/profile.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { makeListings, storeTestListings } from './support/listings.js';

const DAY = 86_400_000;
const base = Date.UTC(2026, 10, 1);

describe('personal list cache', () => {
  let tdb: TestDb;
  let now = base;
  let version = 1;
  let reads: WorkspaceReads;
  const dealer = (v: number, targetProfitCents = 200_000): Dealer =>
    ({
      id: 7,
      name: 'Bay Motors',
      zip: '94105',
      state: 'CA',
      targetProfitCents,
      targetRoiBp: 1500,
      maxMiles: null,
      reconCents: null,
      email: null,
      version: v,
    }) as Dealer;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    // Lot i ends i + 1 days after base.
    const listings = makeListings(12, 3, 'C').map((l, i) => ({ ...l, auctionEndsAt: new Date(base + (i + 1) * DAY) }));
    await storeTestListings(tdb.db, listings, base);
    reads = new WorkspaceReads({ db: tdb.db, params: defaultArbitrageParams(), now: () => now, dataVersion: () => version });
  }, 60_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('serves one sorted list to repeated requests and drops auctions as the clock passes their end', async () => {
    const first = await reads.matching(dealer(1), 'ending', {});
    expect(first).toHaveLength(12);
    expect(await reads.matching(dealer(1), 'ending', {})).toBe(first);
    // The route keeps a page's bytes on the page's source list, so that list must change exactly
    // when the answer does.
    const req = { sort: 'ending' as const, filters: {}, limit: 4 };
    expect((await reads.keysetPage(dealer(1), req, null)).source).toBe(first);
    now = base + 3 * DAY + 1; // lots 0, 1 and 2 have ended
    const later = await reads.matching(dealer(1), 'ending', {});
    expect(later.map((p) => p.row.lot_id)).toEqual(first.slice(3).map((p) => p.row.lot_id));
    expect((await reads.keysetPage(dealer(1), req, null)).source).toBe(later);
    expect(later).not.toBe(first);
    const page = await reads.keysetPage(dealer(1), { sort: 'ending', filters: {}, limit: 4 }, null);
    expect(page.items.map((o) => o.lotId)).toEqual(['C3', 'C4', 'C5', 'C6']);
    const next = await reads.keysetPage(dealer(1), { sort: 'ending', filters: {}, limit: 4 }, page.last);
    expect(next.items.map((o) => o.lotId)).toEqual(['C7', 'C8', 'C9', 'C10']);
  });

  it('a new profile version or data version builds a fresh list with the new figures', async () => {
    const before = await reads.matching(dealer(1), 'profit', {});
    const stricter = await reads.matching(dealer(2, 900_000), 'profit', {});
    expect(stricter).not.toBe(before);
    const ceilings = (ps: typeof before) => ps.map((p) => p.headroomCents ?? Number.NEGATIVE_INFINITY);
    // A higher target profit lowers every ceiling that exists.
    ceilings(stricter).forEach((h, i) => expect(h).toBeLessThanOrEqual(ceilings(before)[i]!));
    version = 2;
    expect(await reads.matching(dealer(2, 900_000), 'profit', {})).not.toBe(stricter);
  });
});
