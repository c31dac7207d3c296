// The dealer page renders the same opportunities the API serves, escapes what it shows, and
// pages with the API's signed cursors.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEALER_CSS_HASH } from '../src/dealer/dealer-css.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { makeListings, storeTestListings } from './support/listings.js';

describe('dealer page', () => {
  let tdb: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    // The page leaves out auctions that have ended by the real clock, and the generated ones end in
    // December 2026: moved to end from tomorrow on, all 60 stay listed whatever day the suite runs.
    const tomorrow = Date.now() + 86_400_000;
    const listings = makeListings(60, 3).map((l) => ({
      ...l,
      auctionEndsAt: new Date(tomorrow + l.auctionEndsAt.getTime() - Date.UTC(2026, 11, 1)),
    }));
    listings[0] = {
      ...listings[0]!,
      make: '<script>alert(1)</script>',
      model: 'X"Y',
      state: 'TX',
      listingUrl: 'https://example.gov/lot?a=1&b="2"',
    };
    await storeTestListings(tdb.db, listings);
    t = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await t.app.close();
    await tdb.drop();
  });

  it('sends pages gzip-compressed to clients that accept it, with the inline stylesheet allowed by hash', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/?sort=profit' });
    const zipped = await t.app.inject({ method: 'GET', url: '/?sort=profit', headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toContain('Accept-Encoding');
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body);
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(plain.headers['content-security-policy']).toContain(DEALER_CSS_HASH);
    expect(plain.body).toContain('<meta name="description"');
  });

  it('lists the API’s first page of opportunities, escaping every value', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/?sort=profit' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const hostile = await t.app.inject({ method: 'GET', url: `/?make=${encodeURIComponent('<script>alert(1)</script>')}` });
    expect(hostile.body).not.toContain('<script>alert(1)</script>');
    expect(hostile.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; X&quot;Y');
    expect(hostile.body).toContain('href="https://example.gov/lot?a=1&amp;b=&quot;2&quot;"');
    const api = (await t.app.inject({ method: 'GET', url: '/api/opportunities?cursor=&sort=profit&limit=50' })).json();
    const rows = res.body.match(/<tr>\n<td class="status-/g) ?? [];
    expect(rows.length).toBe(api.items.length);
    for (const o of api.items.slice(0, 5)) expect(res.body).toContain(`lot ${o.lotId}`);
  });

  it('pages with previous and next links, shows the total and sort direction, and names what it ignored', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/?sort=newest' });
    const api = (await t.app.inject({ method: 'GET', url: '/api/opportunities?page=1&limit=200&sort=newest' })).json();
    // Auctions that have ended leave the page at once (the sweeper takes them off the API's counts later).
    const live = api.data.filter((o: { auctionEndsAt: string }) => Date.parse(o.auctionEndsAt) > Date.now()).length;
    expect(first.body).toContain(`${live} opportunities · sorted by newest first · page 1 of 2`);
    expect(first.body).not.toContain('rel="prev"');
    const next = /href="\/\?([^"]+)" rel="next"/.exec(first.body)?.[1];
    expect(next).toBeTruthy();
    const second = await t.app.inject({ method: 'GET', url: `/?${next!.replace(/&amp;/g, '&')}` });
    expect(second.statusCode).toBe(200);
    expect((second.body.match(/<tr>\n<td class="status-/g) ?? []).length).toBe(live - 50);
    expect(second.body).toContain('rel="prev"');
    expect(second.body).not.toContain('rel="next"');
    const bad = await t.app.inject({ method: 'GET', url: '/?sort=sideways&minProfit=lots' });
    expect(bad.statusCode).toBe(200);
    expect(bad.body).toMatch(/Ignored: .*sort must be one of.*minProfit must be a number/);
    // The page's own default order stands in for the bad sort; an unknown parameter is named too.
    expect(bad.body).toContain('sorted by score');
    const unknown = await t.app.inject({ method: 'GET', url: '/?foo=1' });
    expect(unknown.body).toMatch(/Ignored: foo \(not a filter of this page\)/);
    // Past the last page: the last page, said so, rather than an empty list under "page 2 of 2".
    const past = await t.app.inject({ method: 'GET', url: '/?page=999' });
    expect(past.body).toMatch(/Ignored: page 999 \(there are 2\)/);
    expect((past.body.match(/<tr>\n<td class="status-/g) ?? []).length).toBe(live - 50);
  });

  it('narrows by filters and never fails on unreadable ones', async () => {
    const tx = await t.app.inject({ method: 'GET', url: '/?state=TX' });
    const apiTx = (await t.app.inject({ method: 'GET', url: '/api/opportunities?page=1&limit=200&state=TX' })).json();
    expect((tx.body.match(/<tr>\n<td class="status-/g) ?? []).length).toBe(Math.min(50, apiTx.total));
    for (const q of ["state=' OR 1=1", 'minProfit=abc', 'sort=drop', 'maxRisk=-5', `make=${'x'.repeat(500)}`]) {
      expect((await t.app.inject({ method: 'GET', url: `/?${q}` })).statusCode, q).toBe(200);
    }
  });
});
