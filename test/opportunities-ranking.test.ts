// Honest ranking on both dialects: in every sort a flagged listing comes after every unflagged one
// and is never hot, ended auctions are out of the lists (their detail reads "ended"), and
// sort=ending starts at the soonest future end, in cursor and legacy page mode alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import type { Opportunity } from '../src/opportunities/api-schema.js';
import { CompIndex } from '../src/opportunities/comps-store.js';
import { markEndedAuctions } from '../src/opportunities/ended-sweeper.js';
import { storeListings } from '../src/opportunities/store.js';
import { buildTestApp, clockFrom, type TestApp } from './support/app.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const SORTS = ['newest', 'profit', 'roi', 'score', 'ending'] as const;
const NOW = Date.UTC(2026, 10, 20);
const HOUR = 3_600_000;
const SWEEP = NOW + 45 * 60_000; // the sweeper's pass and the requests' time
const TOKEN = 'test-admin-token-0123456789';

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('honest ranking on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let t: TestApp;
  const listings = makeListings(61, 31, 'R');
  // Every fourth lot carries an open flag; lots 58–60 end during the test.
  const flagged = new Set(listings.filter((_, i) => i % 4 === 0).map((l) => l.lotId));
  const ended = new Set(listings.slice(58).map((l) => l.lotId));

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    listings.forEach((l, i) => {
      l.auctionEndsAt = new Date(NOW + (i + 1) * HOUR);
      // A few big bids on flagged lots so they would top the profit/roi sorts if ranking ignored flags.
      if (flagged.has(l.lotId)) l.currentBidCents = 100;
    });
    // Two lots already ended when stored; the third ends after storing and is swept.
    listings[58]!.auctionEndsAt = new Date(NOW - 2 * HOUR);
    listings[59]!.auctionEndsAt = new Date(NOW - HOUR);
    listings[60]!.auctionEndsAt = new Date(NOW + 30 * 60_000);
    await storeListings(tdb.db, listings, {
      origin: 'test',
      isSample: false,
      now: NOW,
      params: defaultArbitrageParams(),
      comps: new CompIndex(),
      hasOpenAnomaly: (l) => flagged.has(l.lotId),
      anomaliesFor: (l) => (flagged.has(l.lotId) ? [{ kind: 'nominal_bid', status: 'open' }] : []),
    });
    expect(await markEndedAuctions(tdb.db, SWEEP)).toBe(1);
    t = await buildTestApp(tdb.db, { adminToken: TOKEN }, clockFrom(SWEEP));
  });
  afterAll(async () => {
    if (!run) return;
    await t.app.close();
    await tdb.drop();
  });

  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode, `${url} → ${res.body}`).toBe(200);
    return res.json();
  };
  async function walk(sort: string, query = ''): Promise<Opportunity[]> {
    const seen: Opportunity[] = [];
    let cursor = '';
    for (;;) {
      const body = await get(`/api/opportunities?sort=${sort}&limit=7${query}&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...body.items);
      if (!body.hasMore) return seen;
      cursor = body.nextCursor;
    }
  }
  const isFlagged = (o: Opportunity) => flagged.has(o.lotId);

  for (const sort of SORTS) {
    it.runIf(run)(`sort=${sort}: flagged after unflagged, never hot, ended ones out, each once (cursor and pages)`, async () => {
      const pages: Opportunity[] = [];
      for (let p = 1; p <= 10; p++) pages.push(...(await get(`/api/opportunities?sort=${sort}&limit=7&page=${p}`)).data);
      for (const items of [await walk(sort), pages]) {
        expect(items.map((o) => o.lotId).sort()).toEqual(
          listings
            .filter((l) => !ended.has(l.lotId))
            .map((l) => l.lotId)
            .sort(),
        );
        const firstFlagged = items.findIndex(isFlagged);
        expect(firstFlagged).toBeGreaterThan(0);
        expect(items.slice(firstFlagged).every(isFlagged)).toBe(true);
        expect(items.filter(isFlagged).some((o) => o.status === 'hot')).toBe(false);
        if (sort === 'ending') {
          expect(Date.parse(items[0]!.auctionEndsAt)).toBeGreaterThan(SWEEP);
          const unflagged = items.slice(0, firstFlagged).map((o) => Date.parse(o.auctionEndsAt));
          expect(unflagged).toEqual([...unflagged].sort((a, b) => a - b));
        }
      }
    });
  }

  it.runIf(run)('includeFlagged=false leaves flagged ones out, in the same order; true is the default', async () => {
    for (const sort of ['newest', 'profit'] as const) {
      const everything = await walk(sort);
      const unflagged = everything.filter((o) => !isFlagged(o));
      expect(unflagged.length).toBeGreaterThan(30);
      expect(unflagged.length).toBeLessThan(everything.length);
      expect((await walk(sort, '&includeFlagged=false')).map((o) => o.id)).toEqual(unflagged.map((o) => o.id));
      expect((await walk(sort, '&includeFlagged=true')).map((o) => o.id)).toEqual(everything.map((o) => o.id));
      const page = await get(`/api/opportunities?sort=${sort}&limit=200&page=1&includeFlagged=false`);
      expect(page.data.map((o: Opportunity) => o.id)).toEqual(unflagged.map((o) => o.id));
      expect(page.total).toBe(unflagged.length);
    }
    // A dealer's own figures are filtered in the workspace reads, not the database: the same rule.
    const dealer = await t.app.inject({
      method: 'POST',
      url: '/admin/dealers',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { name: 'Ranker', zip: '10001' },
    });
    const key = { 'x-api-key': dealer.json().apiKey as string };
    const mine = async (query: string) =>
      (await t.app.inject({ method: 'GET', url: `/api/opportunities?cursor=&limit=200&sort=headroom${query}`, headers: key })).json()
        .items as Opportunity[];
    const personal = await mine('');
    expect(personal.some(isFlagged)).toBe(true);
    expect((await mine('&includeFlagged=false')).map((o) => o.id)).toEqual(personal.filter((o) => !isFlagged(o)).map((o) => o.id));
    const bad = await t.app.inject({ method: 'GET', url: '/api/opportunities?includeFlagged=no' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([{ field: 'includeFlagged', message: 'must be true or false' }]);
  });

  it.runIf(run)('an ended auction stays readable, with status "ended"', async () => {
    const all = await t.ctx.db.kysely.selectFrom('opportunities').select(['id', 'lot_id', 'status']).execute();
    const gone = all.filter((r) => ended.has(r.lot_id));
    expect(gone.map((r) => r.status)).toEqual(['ended', 'ended', 'ended']);
    for (const r of gone) expect(await get(`/api/opportunities/${r.id}`)).toMatchObject({ lotId: r.lot_id, status: 'ended' });
  });
});
