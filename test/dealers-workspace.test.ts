// Dealer profiles and personal numbers on SQLite and PostgreSQL: operators create dealers (key
// shown once, stored hashed), dealers read and change their profile, and every opportunity's
// transport, recon, totals, profit, status, score and bid ceiling are computed for the dealer
// asking — with filters, sorts and maxMiles applied to those figures.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { CompIndex } from '../src/opportunities/comps-store.js';
import { computeFees, computeTransport, meetsTargets } from '../src/opportunities/engine/index.js';
import type { Opportunity } from '../src/opportunities/api-schema.js';
import { storeListings } from '../src/opportunities/store.js';
import { bumpDataVersion } from '../src/opportunities/versions.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { buildTestApp, clockFrom, type TestApp } from './support/app.js';
import { makeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const TOKEN = 'test-admin-token-0123456789';
const PLACES: Array<[string, string]> = [
  ['94105', 'CA'],
  ['10001', 'NY'],
  ['60601', 'IL'],
  ['98101', 'WA'],
  ['33101', 'FL'],
];
const cents = (d: number) => Math.round(d * 100);

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('dealer workspace on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let t: TestApp;
  const base = Date.UTC(2026, 10, 1);
  const params = defaultArbitrageParams();

  const admin = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${TOKEN}` } });
  const as = (key: string, method: 'GET' | 'PATCH', url: string, payload?: unknown) =>
    t.app.inject({ method, url, payload: payload as object, headers: { 'x-api-key': key } });
  async function list(key: string | null, query: string): Promise<Opportunity[]> {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/opportunities?cursor=&limit=200${query}`,
      headers: key ? { 'x-api-key': key } : {},
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  }

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    t = await buildTestApp(tdb.db, {}, clockFrom(base));
    const listings = makeListings(60, 7, 'W').map((l, i) => {
      const [zip, state] = PLACES[i % PLACES.length] as [string, string];
      return { ...l, zip, state, auctionEndsAt: new Date(base + (i + 2) * 86_400_000) };
    });
    await storeListings(tdb.db, listings, { origin: 'test', isSample: false, now: base, params, comps: new CompIndex() });
    await bumpDataVersion(tdb.db, base);
  }, 60_000);
  afterAll(async () => {
    await t?.app.close();
    await tdb?.drop();
  });

  it.runIf(run)('creates dealers with a key shown once and stored only as a hash; refuses bad input naming the field', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/admin/dealers', payload: { name: 'x', zip: '94105' } })).statusCode).toBe(401);
    const bad = await admin('POST', '/admin/dealers', { name: 'Bay Motors', zip: '00000', targetRoi: 'lots' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .error.details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['targetRoi', 'zip']);
    expect((await admin('POST', '/admin/dealers', { name: 'Bay Motors', zip: '94105', colour: 'red' })).json().error.details[0].field).toBe(
      'colour',
    );

    const res = await admin('POST', '/admin/dealers', { name: 'Bay Motors', zip: '94105' });
    expect(res.statusCode).toBe(201);
    const { id, apiKey } = res.json();
    expect(apiKey).toMatch(/^dsk_/);
    const keys = await tdb.db.kysely.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(keys)).not.toContain(apiKey);
    const listed = (await admin('GET', '/admin/dealers')).json().items;
    expect(listed.find((d: { id: number }) => d.id === id)).toMatchObject({
      name: 'Bay Motors',
      zip: '94105',
      state: 'CA',
      targetProfit: 2000,
      targetRoi: 15,
    });
    expect(JSON.stringify(listed)).not.toContain(apiKey);
  });

  it.runIf(run)('GET/PATCH /api/me reads and changes the profile; bad input is a 400 naming the field', async () => {
    const { apiKey } = (await admin('POST', '/admin/dealers', { name: 'Profile Co', zip: '10001' })).json();
    expect((await t.app.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    const me = (await as(apiKey, 'GET', '/api/me')).json();
    expect(me).toMatchObject({
      name: 'Profile Co',
      zip: '10001',
      state: 'NY',
      targetProfit: 2000,
      targetRoi: 15,
      maxMiles: null,
      reconPerVehicle: null,
    });
    for (const [body, field] of [
      [{ targetRoi: -1 }, 'targetRoi'],
      [{ maxMiles: 1.5 }, 'maxMiles'],
      [{ zip: '1234' }, 'zip'],
      [{ email: 'nope' }, 'email'],
      [{ reconPerVehicle: 'x' }, 'reconPerVehicle'],
      // Finer than the cent (or the hundredth of a percent) is refused, not stored as something else.
      [{ targetProfit: 0.001 }, 'targetProfit'],
      [{ reconPerVehicle: 0.005 }, 'reconPerVehicle'],
      [{ targetRoi: 12.345 }, 'targetRoi'],
    ] as const) {
      const r = await as(apiKey, 'PATCH', '/api/me', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.details[0].field).toBe(field);
    }
    const patched = (
      await as(apiKey, 'PATCH', '/api/me', {
        targetProfit: 1500,
        targetRoi: 12.5,
        maxMiles: 800,
        reconPerVehicle: 400,
        email: 'buyer@example.com',
      })
    ).json();
    expect(patched).toMatchObject({
      targetProfit: 1500,
      targetRoi: 12.5,
      maxMiles: 800,
      reconPerVehicle: 400,
      email: 'buyer@example.com',
      version: me.version + 1,
    });
    expect((await as(apiKey, 'GET', '/api/me')).json()).toMatchObject(patched);
    // Nothing to change, or the same values again: answered as it stands, the version kept.
    for (const same of [{}, { targetProfit: 1500, email: 'buyer@example.com' }]) {
      const res = await as(apiKey, 'PATCH', '/api/me', same);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual(patched);
    }
    for (const notAnObject of ['null', '[]']) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/me',
        headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
        payload: notAnObject,
      });
      expect(res.statusCode, notAnObject).toBe(400);
      expect(res.json().error.details).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    }
    expect((await as(apiKey, 'GET', '/api/me')).json().version).toBe(patched.version);
  });

  it.runIf(run)('computes every figure for the dealer asking: transport to their ZIP, their recon and targets', async () => {
    const { apiKey } = (
      await admin('POST', '/admin/dealers', {
        name: 'Seattle Fleet',
        zip: '98101',
        reconPerVehicle: 500,
        targetProfit: 1000,
        targetRoi: 10,
      })
    ).json();
    const anonymous = new Map((await list(null, '&sort=score')).map((o) => [o.id, o]));
    const mine = await list(apiKey, '&sort=score');
    expect(mine.length).toBe(anonymous.size);
    let differs = 0;
    for (const o of mine) {
      const a = anonymous.get(o.id) as Opportunity;
      const tr = computeTransport({ zip: o.location.zip, state: o.location.state }, { zip: '98101', state: 'WA' }, params);
      expect(cents(o.costs.transport)).toBe(tr.cents);
      expect(o.costs.transportMiles).toBe(tr.miles);
      // The route's fallbacks are the dealer's own; the rest are the listing's.
      expect(o.assumptions.filter((x) => x.startsWith('transport:'))).toEqual(tr.assumptions);
      expect(o.assumptions.filter((x) => !x.startsWith('transport:'))).toEqual(a.assumptions.filter((x) => !x.startsWith('transport:')));
      expect(cents(o.costs.recon) % 100).toBe(0);
      expect([50_000, 50_000 + params.recon.fleetSurchargeCents]).toContain(cents(o.costs.recon));
      const total =
        cents(o.currentBid) + cents(o.costs.buyerPremium) + cents(o.costs.docFee) + cents(o.costs.transport) + cents(o.costs.recon);
      expect(cents(o.costs.total)).toBe(total);
      expect(cents(o.profit)).toBe(cents(o.estimatedSalePrice) - total);
      expect(o.estimatedSalePrice).toBe(a.estimatedSalePrice);
      if (o.costs.transport !== a.costs.transport) differs++;
      if (o.bidCeiling !== null) {
        const input = {
          estimateCents: cents(o.estimatedSalePrice),
          docFeeCents: cents(o.costs.docFee),
          transportCents: cents(o.costs.transport),
          reconCents: cents(o.costs.recon),
          premiumAt: (b: number) =>
            computeFees({ source: o.source, currentBidCents: b, buyerPremiumPct: null, docFeeCents: null }, params).buyerPremiumCents,
          targetProfitCents: 100_000,
          targetRoiBp: 1_000,
        };
        expect(meetsTargets(input, cents(o.bidCeiling))).toBe(true);
        expect(meetsTargets(input, cents(o.bidCeiling) + 1)).toBe(false);
        expect(o.headroom).toBe(Math.round(cents(o.bidCeiling) - cents(o.currentBid)) / 100);
      }
    }
    expect(differs).toBeGreaterThan(0);
    // Sorted by the personal score, rank tier first.
    const scores = mine.map((o) => o.score);
    const tiers = mine.map((o) => (o.anomalies.length ? 1 : 0));
    for (let i = 1; i < mine.length; i++) if (tiers[i] === tiers[i - 1]) expect(scores[i]).toBeLessThanOrEqual(scores[i - 1] as number);
    // Filters apply to the personal numbers.
    const minProfit = await list(apiKey, '&minProfit=1000');
    expect(minProfit.map((o) => o.id).sort()).toEqual(
      mine
        .filter((o) => o.profit >= 1000)
        .map((o) => o.id)
        .sort(),
    );
    // Detail agrees with the list.
    const one = mine[0] as Opportunity;
    const detail = (await as(apiKey, 'GET', `/api/opportunities/${one.id}`)).json();
    expect(detail).toMatchObject({
      costs: one.costs,
      profit: one.profit,
      bidCeiling: one.bidCeiling,
      status: one.status,
      score: one.score,
    });
    // Personal answers are gzipped for clients that take it, with their own ETag, and kept by no shared cache.
    for (const url of [`/api/opportunities/${one.id}`, '/api/opportunities?page=1&limit=50&sort=score']) {
      const headers = { 'x-api-key': apiKey, 'accept-encoding': 'gzip' };
      const zipped = await t.app.inject({ method: 'GET', url, headers });
      expect(zipped.headers['content-encoding'], url).toBe('gzip');
      expect(zipped.headers['cache-control'], url).toBe('private, no-store');
      expect(zipped.headers.vary, url).toBe('Accept-Encoding, X-API-Key, Cookie');
      const plain = await as(apiKey, 'GET', url);
      expect(plain.headers['content-encoding'], url).toBeUndefined();
      expect(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8')), url).toEqual(plain.json());
      expect(zipped.headers.etag, url).not.toBe(plain.headers.etag);
      const again = await t.app.inject({ method: 'GET', url, headers: { ...headers, 'if-none-match': String(zipped.headers.etag) } });
      expect(again.statusCode, url).toBe(304);
    }
  });

  it.runIf(run)(
    'maxMiles hides what lies farther away, and a profile change is seen at once (cache keyed by profile version)',
    async () => {
      const { apiKey } = (await admin('POST', '/admin/dealers', { name: 'Local Only', zip: '94105' })).json();
      const all = await list(apiKey, '');
      const near = await list(apiKey, '');
      expect(near.length).toBe(all.length);
      await as(apiKey, 'PATCH', '/api/me', { maxMiles: 500 });
      const within = await list(apiKey, '');
      expect(within.length).toBeGreaterThan(0);
      expect(within.length).toBeLessThan(all.length);
      expect(within.every((o) => o.costs.transportMiles <= 500)).toBe(true);
      await as(apiKey, 'PATCH', '/api/me', { zip: '10001' });
      const moved = await list(apiKey, '');
      expect(moved.every((o) => o.costs.transportMiles <= 500 && ['NY'].includes(o.location.state))).toBe(true);
    },
  );

  it.runIf(run)('gives every opportunity a bid ceiling and headroom; minHeadroom filters and sort=headroom orders by it', async () => {
    const all = await list(null, '');
    for (const o of all) {
      expect(o).toHaveProperty('bidCeiling');
      if (o.bidCeiling === null) expect(o.headroom).toBeNull();
      else expect(o.headroom).toBe(Math.round(cents(o.bidCeiling) - cents(o.currentBid)) / 100);
    }
    const sorted = await list(null, '&sort=headroom');
    expect(sorted.length).toBe(all.length);
    const keyed = sorted.map((o) => [o.anomalies.length ? 1 : 0, o.headroom ?? -Infinity] as const);
    for (let i = 1; i < keyed.length; i++) {
      const [t0, h0] = keyed[i - 1] as readonly [number, number];
      const [t1, h1] = keyed[i] as readonly [number, number];
      expect(t1 > t0 || (t1 === t0 && h1 <= h0)).toBe(true);
    }
    const withHeadroom = all
      .filter((o) => o.headroom !== null && o.headroom >= 500)
      .map((o) => o.id)
      .sort();
    expect(withHeadroom.length).toBeGreaterThan(0);
    expect((await list(null, '&minHeadroom=500')).map((o) => o.id).sort()).toEqual(withHeadroom);
    expect((await list(null, '&minHeadroom=500&sort=headroom')).map((o) => o.id).sort()).toEqual(withHeadroom);
    const bad = await t.app.inject({ method: 'GET', url: '/api/opportunities?minHeadroom=lots' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('minHeadroom');
  });

  it.runIf(run)('a revoked dealer key no longer identifies anyone', async () => {
    const { id, apiKey } = (await admin('POST', '/admin/dealers', { name: 'Gone', zip: '60601' })).json();
    expect((await as(apiKey, 'GET', '/api/me')).statusCode).toBe(200);
    await t.ctx.workspace!.store.revoke(id, Date.now());
    expect((await as(apiKey, 'GET', '/api/me')).statusCode).toBe(401);
  });
});
