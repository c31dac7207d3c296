// The opportunities API contract (README "API") on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { CompIndex } from '../src/opportunities/comps-store.js';
import { storeListings } from '../src/opportunities/store.js';
import { databaseReads } from '../src/opportunities/read-service.js';
import { openDb } from '../src/storage/db.js';
import type { Opportunity } from '../src/opportunities/api-schema.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { buildApp } from '../src/http/app.js';
import { createContext } from '../src/http/service.js';
import { buildTestApp, clockFrom, testConfig, type TestApp } from './support/app.js';
import { makeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const N = 263; // not a multiple of any page size used below, so the last page is partial

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('opportunities API on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let t: TestApp;
  let all: Opportunity[];
  const base = Date.UTC(2026, 10, 1);

  const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
  const json = async (url: string) => {
    const res = await get(url);
    expect(res.statusCode, `${url} → ${res.body}`).toBe(200);
    return res.json();
  };

  async function insert(listings: ReturnType<typeof makeListings>, now: number) {
    await storeListings(tdb.db, listings, {
      origin: 'test',
      isSample: false,
      now,
      params: defaultArbitrageParams(),
      comps: new CompIndex(),
    });
  }

  async function walkCursor(query: string, limit: number, between?: (page: number) => Promise<void>): Promise<Opportunity[]> {
    const seen: Opportunity[] = [];
    let cursor = '';
    for (let page = 0; page < 1000; page++) {
      const body = await json(`/api/opportunities?cursor=${encodeURIComponent(cursor)}&limit=${limit}${query}`);
      seen.push(...body.items);
      if (!body.hasMore) {
        expect(body.nextCursor).toBeUndefined();
        return seen;
      }
      expect(typeof body.nextCursor).toBe('string');
      cursor = body.nextCursor;
      await between?.(page);
    }
    throw new Error('cursor walk did not end');
  }

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    t = await buildTestApp(tdb.db, {}, clockFrom(base));
    // Three import batches at different times, so created_at has ties within a batch.
    const listings = makeListings(N, 7);
    await insert(listings.slice(0, 100), base);
    await insert(listings.slice(100, 200), base + 60_000);
    await insert(listings.slice(200), base + 120_000);
    all = (await json('/api/opportunities?page=1&limit=200')).data;
    all.push(...(await json('/api/opportunities?page=2&limit=200')).data);
  });
  afterAll(async () => {
    if (!run) return;
    await t.app.close();
    await tdb.drop();
  });

  it.runIf(run)('serves every stored opportunity', () => {
    expect(all.length).toBe(N);
    expect(new Set(all.map((o) => o.id)).size).toBe(N);
  });

  for (const sort of ['newest', 'profit', 'roi', 'score', 'ending']) {
    it.runIf(run)(`legacy pages return each opportunity exactly once (sort=${sort})`, async () => {
      const ids: number[] = [];
      let total = -1;
      for (let page = 1; ; page++) {
        const body = await json(`/api/opportunities?page=${page}&limit=37&sort=${sort}`);
        total = body.total;
        ids.push(...body.data.map((o: Opportunity) => o.id));
        if (!body.hasMore) break;
      }
      expect(total).toBe(N);
      expect(ids.length).toBe(N);
      expect(new Set(ids).size).toBe(N);
    });

    it.runIf(run)(`cursor pages return each opportunity exactly once, in order (sort=${sort})`, async () => {
      const items = await walkCursor(`&sort=${sort}`, 41);
      expect(items.length).toBe(N);
      expect(new Set(items.map((o) => o.id)).size).toBe(N);
      const key = (o: Opportunity) =>
        ({ newest: Date.parse(o.createdAt), profit: o.profit, roi: o.roi, score: o.score, ending: Date.parse(o.auctionEndsAt) })[
          sort
        ] as number;
      for (let i = 1; i < items.length; i++) {
        const a = items[i - 1] as Opportunity;
        const b = items[i] as Opportunity;
        if (sort === 'ending') expect(key(a) < key(b) || (key(a) === key(b) && a.id < b.id)).toBe(true);
        else expect(key(a) > key(b) || (key(a) === key(b) && a.id > b.id)).toBe(true);
      }
    });
  }

  it.runIf(run)('names the fallbacks each figure rests on, the same in lists and detail', async () => {
    const rows = await tdb.db.kysely.selectFrom('opportunities').select(['id', 'assumptions_json']).execute();
    const stored = new Map(rows.map((r) => [Number(r.id), JSON.parse(r.assumptions_json) as string[]]));
    for (const o of all) expect(o.assumptions, `opportunity ${o.id}`).toEqual(stored.get(o.id));
    // No comparables were loaded, so every value is the model's and says so.
    expect(all.every((o) => o.assumptions.includes('valuation:no_comps'))).toBe(true);
    const one = all.find((o) => o.assumptions.length > 1) ?? all[0]!;
    expect((await json(`/api/opportunities/${one.id}`)).assumptions).toEqual(one.assumptions);
  });

  it.runIf(run)('newest first is the default order (createdAt desc, then id desc)', async () => {
    const body = await json('/api/opportunities?limit=200');
    const expected = [...all].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id).slice(0, 200);
    expect(body.data.map((o: Opportunity) => o.id)).toEqual(expected.map((o) => o.id));
  });

  it.runIf(run)('a cursor walk sees every original opportunity once while new listings arrive', async () => {
    const before = new Set((await walkCursor('', 50)).map((o) => o.id));
    let batch = 0;
    const items = await walkCursor('', 50, async () => {
      batch++;
      await insert(makeListings(7, 100 + batch, `NEW${batch}-`), base + 3_600_000 + batch * 1000);
    });
    const ids = items.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of before) expect(ids).toContain(id);
    expect(batch).toBeGreaterThan(2);
  });

  it.runIf(run)('rejects a tampered cursor and one from another query with 400', async () => {
    const first = await json('/api/opportunities?cursor=&limit=10&state=CA');
    expect(first.nextCursor).toBeTruthy();
    const c: string = first.nextCursor;
    const [body, sig] = c.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString());
    decoded.i = decoded.i + 1;
    const forged = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${sig}`;
    for (const bad of [forged, `${c}x`, 'garbage', `${body}.`, '..', c.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'))]) {
      const res = await get(`/api/opportunities?cursor=${encodeURIComponent(bad)}&state=CA`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.code).toBe('invalid_cursor');
    }
    const foreign = await get(`/api/opportunities?cursor=${encodeURIComponent(c)}&state=TX`);
    expect(foreign.statusCode).toBe(400);
    const otherSort = await get(`/api/opportunities?cursor=${encodeURIComponent(c)}&state=CA&sort=profit`);
    expect(otherSort.statusCode).toBe(400);
  });

  it.runIf(run)('filters narrow to exactly the matching opportunities', async () => {
    const current = [...all];
    const cases: Array<[string, (o: Opportunity) => boolean]> = [
      ['state=tx', (o) => o.location.state === 'TX'],
      ['make=FORD', (o) => o.make.toLowerCase() === 'ford'],
      ['make=ford&model=f-150', (o) => o.make === 'Ford' && o.model === 'F-150'],
      ['source=govdeals', (o) => o.source === 'govdeals'],
      ['status=moderate', (o) => o.status === 'moderate'],
      ['minProfit=-2000', (o) => o.profit >= -2000],
      ['minRoi=-10', (o) => o.roi >= -10],
      ['maxRisk=40', (o) => o.riskScore <= 40],
      ['yearMin=2015&yearMax=2018', (o) => o.year >= 2015 && o.year <= 2018],
      ['endsBefore=2026-12-10T00:00:00Z', (o) => Date.parse(o.auctionEndsAt) < Date.parse('2026-12-10T00:00:00Z')],
    ];
    for (const [qs, pred] of cases) {
      const expected = current
        .filter(pred)
        .map((o) => o.id)
        .sort((a, b) => a - b);
      const got = (await walkCursor(`&${qs}`, 200))
        .filter((o) => current.some((c) => c.id === o.id))
        .map((o) => o.id)
        .sort((a, b) => a - b);
      expect(got, qs).toEqual(expected);
      const legacy = await json(`/api/opportunities?page=1&limit=1&${qs}`);
      expect(legacy.total, qs).toBeGreaterThanOrEqual(expected.length);
    }
  });

  it.runIf(run)('hostile values give 400 or an empty list, never a 5xx, in strict and lenient mode', async () => {
    const hostile = [
      "state=' OR 1=1 --",
      'state=CA%27%3B%20DROP%20TABLE%20opportunities%3B--',
      "make=Ford'); DROP TABLE listings;--",
      'model=%00%FF',
      'source=%27%22%60',
      'status=hot%27',
      'status=HOT',
      'sort=id;delete',
      'sort=',
      'minProfit=1e309',
      'minProfit=-99999999999999',
      'minProfit=NaN',
      'minRoi=Infinity',
      'maxRisk=-1',
      'maxRisk=1000',
      'yearMin=99999999999999999999',
      'yearMax=-5',
      'yearMin=2020&yearMax=2010',
      'endsBefore=tomorrow',
      "endsBefore=2026-01-01'--",
      'limit=0',
      'limit=-1',
      'limit=201',
      'limit=1.5',
      'limit=99999999999999999999',
      'page=0',
      'page=-3',
      'page=1e3',
      'page=abc',
      'page=1&page=2',
      'cursor=&page=1',
      `make=${'x'.repeat(5000)}`,
      'unknown=1',
      'state[]=CA',
      'state[$ne]=CA',
      '__proto__=x',
      'constructor[prototype]=1',
    ];
    for (const strict of [true, false]) {
      t.ctx.flags.setOverrides({ ENABLE_INPUT_VALIDATION: strict });
      for (const qs of hostile) {
        const res = await get(`/api/opportunities?${qs}`);
        expect(res.statusCode, `${qs} strict=${strict} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
        if (res.statusCode === 200) {
          const body = res.json();
          expect(Array.isArray(body.data ?? body.items)).toBe(true);
        } else {
          expect(res.statusCode).toBe(400);
          expect(res.json().error.code).toBeTruthy();
        }
      }
    }
    t.ctx.flags.setOverrides({});
    const tables = await json('/api/opportunities?page=1&limit=1');
    expect(tables.total).toBeGreaterThanOrEqual(N);
  });

  it.runIf(run)(
    'a query string answered in one validation mode is judged afresh in the other (its remembered parse is per mode)',
    async () => {
      const qs = '/api/opportunities?limit=0&sort=profit';
      t.ctx.flags.setOverrides({ ENABLE_INPUT_VALIDATION: false });
      expect((await get(qs)).statusCode).toBe(200);
      expect((await get(qs)).statusCode).toBe(200);
      t.ctx.flags.setOverrides({ ENABLE_INPUT_VALIDATION: true });
      const strict = await get(qs);
      expect(strict.statusCode).toBe(400);
      expect(strict.json().error.details.map((d: { field: string }) => d.field)).toEqual(['limit']);
      t.ctx.flags.setOverrides({ ENABLE_INPUT_VALIDATION: false });
      expect((await get(qs)).statusCode).toBe(200);
      t.ctx.flags.setOverrides({});
    },
  );

  it.runIf(run)('strict validation names every offending field', async () => {
    const res = await get('/api/opportunities?limit=0&sort=bogus&state=Texas&yearMin=abc');
    expect(res.statusCode).toBe(400);
    const fields = res
      .json()
      .error.details.map((d: { field: string }) => d.field)
      .sort();
    expect(fields).toEqual(['limit', 'sort', 'state', 'yearMin']);
  });

  it.runIf(run)('follows the mode rules of the flags', async () => {
    t.ctx.flags.setOverrides({ ENABLE_CURSOR_PAGINATION: false });
    const off = await get('/api/opportunities?cursor=');
    expect(off.statusCode).toBe(400);
    expect(off.json().error.code).toBe('cursor_pagination_disabled');
    expect(off.json().error.message).toMatch(/use page= instead/);
    expect((await json('/api/opportunities')).data).toBeDefined();
    // With both modes off, the answer does not send the client to a retired API.
    t.ctx.flags.setOverrides({ ENABLE_CURSOR_PAGINATION: false, LEGACY_PAGE_API: false });
    const neither = await get('/api/opportunities?limit=1');
    expect(neither.statusCode).toBe(400);
    expect(neither.json().error.message).toMatch(/Both pagination modes are switched off/);
    expect(neither.json().error.message).not.toMatch(/use page=/);
    t.ctx.flags.setOverrides({ ENABLE_CURSOR_PAGINATION: false });

    t.ctx.flags.setOverrides({ LEGACY_PAGE_API: false });
    const gone = await get('/api/opportunities?page=2');
    expect(gone.statusCode).toBe(410);
    expect(gone.headers.deprecation).toBeTruthy();
    expect(gone.headers.sunset).toBeTruthy();
    const implicit = await json('/api/opportunities?limit=5');
    expect(implicit.items).toHaveLength(5);
    expect(implicit.data).toBeUndefined();

    t.ctx.flags.setOverrides({ LEGACY_PAGE_API: true });
    const legacy = await json('/api/opportunities?limit=5');
    expect(legacy.data).toHaveLength(5);
    expect(typeof legacy.total).toBe('number');
    t.ctx.flags.setOverrides({});
  });

  it.runIf(run)('sends ETags and answers If-None-Match with 304', async () => {
    for (const url of ['/api/opportunities?page=1&limit=5', '/api/opportunities?cursor=&limit=5', `/api/opportunities/${all[0]?.id}`]) {
      const first = await get(url);
      expect(first.headers.etag, url).toBeTruthy();
      const again = await get(url, { 'if-none-match': String(first.headers.etag) });
      expect(again.statusCode, url).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it.runIf(run)('serves one opportunity by id with the contract shape, 404 for unknown, 400 for malformed', async () => {
    const one = all[0] as Opportunity;
    const body = await json(`/api/opportunities/${one.id}`);
    // The detail adds the comparables behind the estimate (none were imported here).
    expect(body).toEqual({ ...one, valuation: { ...one.valuation, comparables: [] } });
    for (const k of [
      'id',
      'vin',
      'year',
      'make',
      'model',
      'trim',
      'mileage',
      'titleStatus',
      'source',
      'lotId',
      'listingUrl',
      'location',
      'auctionEndsAt',
      'currentBid',
      'costs',
      'estimatedSalePrice',
      'valuation',
      'profit',
      'roi',
      'margin',
      'confidence',
      'riskScore',
      'score',
      'status',
      'anomalies',
      'createdAt',
      'updatedAt',
    ]) {
      expect(body, k).toHaveProperty(k);
    }
    expect(body.costs.total).toBeCloseTo(
      body.currentBid + body.costs.buyerPremium + body.costs.docFee + body.costs.transport + body.costs.recon,
      2,
    );
    expect(body.profit).toBeCloseTo(body.estimatedSalePrice - body.costs.total, 2);
    const missing = await get('/api/opportunities/999999999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const bad = await get('/api/opportunities/1%27%20OR%201=1');
    expect(bad.statusCode).toBe(400);
    // A trailing slash names no opportunity: 404 like any path nothing serves, not a bad id.
    const slash = await get('/api/opportunities/');
    expect(slash.statusCode).toBe(404);
    expect(slash.json().error).toMatchObject({ code: 'not_found', message: 'No route for GET /api/opportunities/' });
  });

  it.runIf(run)('puts an X-Request-Id on every response and keeps a sane caller id', async () => {
    for (const url of ['/healthz', '/readyz', '/api/opportunities?limit=1', '/nope', '/api/opportunities?limit=0']) {
      const res = await get(url);
      expect(res.headers['x-request-id'], url).toBeTruthy();
    }
    const mine = await get('/healthz', { 'x-request-id': 'abc-123' });
    expect(mine.headers['x-request-id']).toBe('abc-123');
    const nasty = await get('/healthz', { 'x-request-id': 'a\u0007b'.repeat(100) });
    expect(nasty.headers['x-request-id']).not.toContain('\u0007');
  });

  it.runIf(run)('reports readiness and serves a generated OpenAPI document', async () => {
    const ready = await json('/readyz');
    expect(ready.components.database.status).toBe('ok');
    const doc = await json('/openapi.json');
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/opportunities', '/api/opportunities/{id}']));
  });
});

describe('database outage without breakers', () => {
  it('answers 503 with Retry-After, not 500, when the database stops answering', async () => {
    const tdb = await createTestDb('sqlite');
    // Reads against a PostgreSQL address where nothing listens: the driver's real refusal. The
    // routes take their reads when registered, so the context has them before the app is built.
    const dead = openDb('postgres://postgres@127.0.0.1:9/none');
    const ctx = await createContext(testConfig({ FF_ENABLE_CIRCUIT_BREAKERS: 'false' }), { db: tdb.db });
    ctx.reads = databaseReads(dead);
    const t = { ctx, app: await buildApp(ctx, { logger: false }) };
    for (const url of ['/api/opportunities?page=1', '/api/opportunities?cursor=', '/api/opportunities/1']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().error.code).toBe('database_unavailable');
    }
    await dead.close();
    await t.app.close();
    await tdb.drop();
  });
});
