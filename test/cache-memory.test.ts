// The memory cache in front of the opportunity reads, on SQLite and PostgreSQL: single flight,
// runtime flags, freshness after an ingest (in-process and from another process), metrics.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNALS } from '../src/observability/signals.js';
import { bumpDataVersion } from '../src/opportunities/versions.js';
import { ManualClock } from '../src/common/clock.js';
import { openDb } from '../src/storage/db.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { ingestMadeListings } from './support/listings.js';
import { waitFor } from './support/wait-for.js';

const pgOk = await requirePostgres();
const START = Date.UTC(2026, 10, 1);

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('memory cache on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let t: TestApp;
  const clock = new ManualClock(START);
  const get = (url: string) => t.app.inject({ method: 'GET', url });

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    await ingestMadeListings(tdb.db, 120, 3, 'A', START);
    t = await buildTestApp(tdb.db, {}, clock);
  });
  afterAll(async () => {
    if (!run) return;
    await t.app.close();
    await tdb.drop();
  });

  it.runIf(run)('200 concurrent cold misses for one key cost one database query', async () => {
    const before = tdb.db.stats.queries;
    const url = '/api/opportunities?cursor=&limit=25&state=TX';
    const res = await Promise.all(Array.from({ length: 200 }, () => get(url)));
    expect(res.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(res.map((r) => r.body)).size).toBe(1);
    expect(tdb.db.stats.queries - before).toBe(1);
  });

  it.runIf(run)('without single flight every concurrent miss queries, and the flag switches back at runtime', async () => {
    t.ctx.flags.setOverrides({ ENABLE_SINGLE_FLIGHT: false });
    const before = tdb.db.stats.queries;
    await Promise.all(Array.from({ length: 50 }, () => get('/api/opportunities?cursor=&limit=25&state=CA')));
    expect(tdb.db.stats.queries - before).toBeGreaterThan(1);
    t.ctx.flags.setOverrides({});
    const again = tdb.db.stats.queries;
    await Promise.all(Array.from({ length: 50 }, () => get('/api/opportunities?cursor=&limit=25&state=NY')));
    expect(tdb.db.stats.queries - again).toBe(1);
  });

  it.runIf(run)('serves repeats from memory, counts hits and misses, and publishes the hit ratio', async () => {
    const s0 = t.ctx.cache.stats();
    const before = tdb.db.stats.queries;
    const first = await get('/api/opportunities?page=2&limit=10&sort=profit');
    for (let i = 0; i < 30; i++) expect((await get('/api/opportunities?page=2&limit=10&sort=profit')).body).toBe(first.body);
    expect(tdb.db.stats.queries - before).toBe(2); // the page and its total, once
    const s1 = t.ctx.cache.stats();
    // One count per request: the first went to the database, each repeat is a hit.
    expect(s1.misses - s0.misses).toBe(1);
    expect(s1.hits - s0.hits).toBe(30);
    expect(s1.entries).toBeGreaterThan(0);
    expect(s1.bytes).toBeGreaterThan(0);
    expect(s1.degraded).toBe(false);
    const ratio = t.ctx.signals.read(SIGNALS.cacheHitRatio);
    expect(ratio).not.toBeNull();
    expect(ratio as number).toBeCloseTo(s1.hitRatio, 5);
    const metrics = (await get('/metrics')).body;
    expect(metrics).toContain(`dealerscope_cache_requests_total{result="hit"} ${s1.hits}`);
    expect(metrics).toContain(`dealerscope_cache_requests_total{result="miss"} ${s1.misses}`);
    // Counted between scrapes and added when read: a second scrape neither loses nor repeats any.
    for (let i = 0; i < 5; i++) await get('/api/opportunities?page=2&limit=10&sort=profit');
    const again = (await get('/metrics')).body;
    expect(again).toContain(`dealerscope_cache_requests_total{result="hit"} ${s1.hits + 5}`);
    expect(again).toContain(`dealerscope_cache_requests_total{result="miss"} ${s1.misses}`);
    expect(again).toContain(`dealerscope_cache_tier_hits_total{tier="memory"} ${t.ctx.cache.stats().hits}`);
    expect(metrics).toMatch(/dealerscope_cache_entries \d+/);
    expect(metrics).toContain('dealerscope_cache_degraded 0');
  });

  it.runIf(run)('keeps responses compressed, serves gzip to clients that accept it and the same JSON to those that do not', async () => {
    const url = '/api/opportunities?cursor=&limit=20&sort=roi';
    const plain = await get(url);
    const gz = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    const refused = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body).toBe(plain.body);
    for (const r of [plain, gz, refused]) expect(r.headers.vary).toBe('Accept-Encoding, X-API-Key, Cookie');
    // One representation, one strong ETag each; a revalidation of either is a 304.
    expect(gz.headers.etag).not.toBe(plain.headers.etag);
    expect((await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': String(plain.headers.etag) } })).statusCode).toBe(304);
    expect(
      (await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) } }))
        .statusCode,
    ).toBe(304);
    const s = t.ctx.cache.stats();
    expect(s.responseEntries).toBeGreaterThan(0);
    // Compressed: the stored page takes a fraction of its JSON.
    expect(s.responseBytes / s.responseEntries).toBeLessThan(plain.rawPayload.length);
  });

  it.runIf(run)('a kept response holds only its own compressed bytes, so the byte budget counts what stays in memory', async () => {
    const body = Buffer.from(JSON.stringify({ id: 1, note: 'x'.repeat(600) }));
    const build = async () => ({ body, etag: '"t"' });
    const kind = (v: number) => `own-bytes:${v}`;
    const s0 = t.ctx.cache.stats();
    for (let i = 0; i < 2; i++) await t.ctx.cache.respond(kind, build);
    const kept = (await t.ctx.cache.respond(kind, build)).gzip as Buffer;
    expect(t.ctx.cache.stats().responseEntries - s0.responseEntries).toBe(1);
    expect(gunzipSync(kept).equals(body)).toBe(true);
    expect(kept.buffer.byteLength).toBe(kept.length);
    const s1 = t.ctx.cache.stats();
    expect(s1.responseBytes - s0.responseBytes).toBeGreaterThanOrEqual(kept.buffer.byteLength);
  });

  it.runIf(run)(
    'a client without gzip gets the identity bytes, inflated once and then kept beside the gzip bytes in the budget',
    async () => {
      const body = Buffer.from(JSON.stringify({ id: 2, note: 'y'.repeat(900) }));
      const build = async () => ({ body, etag: '"i"' });
      const kind = (v: number) => `identity-bytes:${v}`;
      await t.ctx.cache.respond(kind, build);
      const served = await t.ctx.cache.respond(kind, build);
      expect(served.identity).toBeNull(); // kept compressed only until a plain client asks
      const s0 = t.ctx.cache.stats();
      const first = t.ctx.cache.identityOf(served);
      expect(first.equals(body)).toBe(true);
      const again = await t.ctx.cache.respond(kind, build);
      expect(again.identity).toBe(first); // the same bytes, not a second inflate
      // Its own memory: a view of zlib's 16 KB output chunk would hold the chunk, uncounted.
      expect(first.buffer.byteLength).toBe(first.length);
      expect(t.ctx.cache.stats().responseBytes - s0.responseBytes).toBe(body.length);
      expect(t.ctx.cache.stats().responseEntries).toBe(s0.responseEntries);
    },
  );

  it.runIf(run)('with room, a response is kept on its first miss and its read leaves the read tier', async () => {
    const url = '/api/opportunities?cursor=&limit=15&sort=ending';
    const entries = () => t.ctx.cache.stats().responseEntries;
    const reads = () => t.ctx.cache.stats().entries - t.ctx.cache.stats().responseEntries;
    const before = tdb.db.stats.queries;
    const e0 = entries();
    const r0 = reads();
    await get(url);
    expect(entries()).toBe(e0 + 1);
    expect(reads()).toBe(r0); // the response answers for the read; one entry, not two
    const s0 = t.ctx.cache.stats();
    await get(url);
    expect(t.ctx.cache.stats().hits - s0.hits).toBe(1);
    expect(tdb.db.stats.queries - before).toBe(1);
  });

  it.runIf(run)('a full tier keeps what is asked for often: one-off requests do not evict it, a newcomer asked for more does', async () => {
    t.ctx.flags.setOverrides({ CACHE_MAX_SIZE: 4 });
    const builds = new Map<string, number>();
    const ask = (name: string) =>
      t.ctx.cache.respond(
        (v) => `admission:v${v}:${name}`,
        async () => {
          builds.set(name, (builds.get(name) ?? 0) + 1);
          return { body: Buffer.from(JSON.stringify({ name })), etag: `"${name}"` };
        },
      );
    try {
      // Four queries asked for three times each take the tier (from whatever earlier tests left).
      for (let round = 0; round < 3; round++) for (const p of ['p0', 'p1', 'p2', 'p3']) await ask(p);
      for (const p of ['p0', 'p1', 'p2', 'p3']) expect(builds.get(p)).toBe(1);
      const refused = async () =>
        Number((await get('/metrics')).body.match(/dealerscope_cache_admissions_total\{tier="response",result="refused"\} (\d+)/)?.[1]);
      const refused0 = await refused();
      // Twenty listings' details, each asked for once: each is built and sent, none is kept.
      for (let i = 0; i < 20; i++) await ask(`once${i}`);
      expect(t.ctx.cache.stats().responseEntries).toBe(4);
      expect((await refused()) - refused0).toBe(20);
      for (const p of ['p0', 'p1', 'p2', 'p3']) await ask(p);
      for (const p of ['p0', 'p1', 'p2', 'p3']) expect(builds.get(p)).toBe(1);
      // A newcomer gets in once asked for more often than the entry it would evict (4 times each now):
      // its fourth request ties and is still built, its fifth is kept, its sixth is served.
      for (let i = 0; i < 4; i++) await ask('rising');
      expect(builds.get('rising')).toBe(4);
      await ask('rising');
      await ask('rising');
      expect(builds.get('rising')).toBe(5);
      expect(t.ctx.cache.stats().responseEntries).toBe(4);
      // It displaced the least recently used entry, p0; p1 is still served.
      await ask('p1');
      await ask('p0');
      expect(builds.get('p1')).toBe(1);
      expect(builds.get('p0')).toBe(2);
    } finally {
      t.ctx.flags.setOverrides({});
    }
  });

  it.runIf(run)('a repeated unknown id is answered 404 from the cache and counted as a hit', async () => {
    const s0 = t.ctx.cache.stats();
    const before = tdb.db.stats.queries;
    for (let i = 0; i < 3; i++) expect((await get('/api/opportunities/987654')).statusCode).toBe(404);
    expect(tdb.db.stats.queries - before).toBe(1);
    const s1 = t.ctx.cache.stats();
    expect(s1.misses - s0.misses).toBe(1);
    expect(s1.hits - s0.hits).toBe(2);
  });

  it.runIf(run)('ENABLE_PRODUCTION_CACHE off sends every read to the database without a restart', async () => {
    t.ctx.flags.setOverrides({ ENABLE_PRODUCTION_CACHE: false });
    const s0 = t.ctx.cache.stats();
    const before = tdb.db.stats.queries;
    for (let i = 0; i < 5; i++) expect((await get('/api/opportunities/1')).statusCode).toBe(200);
    expect(tdb.db.stats.queries - before).toBe(5);
    expect(t.ctx.cache.stats().hits).toBe(s0.hits);
    t.ctx.flags.setOverrides({});
    const on = tdb.db.stats.queries;
    for (let i = 0; i < 5; i++) await get('/api/opportunities/1');
    expect(tdb.db.stats.queries - on).toBe(1);
  });

  it.runIf(run)('ENABLE_PRODUCTION_CACHE off still answers gzip clients with gzip, with its own ETag', async () => {
    const ask = (url: string) => t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
    const cached = await ask('/api/opportunities?limit=3');
    t.ctx.flags.setOverrides({ ENABLE_PRODUCTION_CACHE: false });
    try {
      for (const url of ['/api/opportunities?limit=3', '/api/opportunities/1']) {
        const res = await ask(url);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-encoding']).toBe('gzip');
        expect(res.headers.vary).toBe('Accept-Encoding, X-API-Key, Cookie');
        expect(String(res.headers.etag)).toMatch(/-gz"$/);
        expect(() => JSON.parse(gunzipSync(res.rawPayload).toString())).not.toThrow();
      }
      // The same bytes and ETag as the cache sends them.
      const uncached = await ask('/api/opportunities?limit=3');
      expect(uncached.headers.etag).toBe(cached.headers.etag);
      expect(gunzipSync(uncached.rawPayload)).toEqual(gunzipSync(cached.rawPayload));
    } finally {
      t.ctx.flags.setOverrides({});
    }
  });

  it.runIf(run)('CACHE_MAX_SIZE bounds the entries and changes at runtime', async () => {
    t.ctx.flags.setOverrides({ CACHE_MAX_SIZE: 5 });
    for (let id = 1; id <= 20; id++) await get(`/api/opportunities/${id}`);
    // The bound holds for each memory tier: responses, and the read values behind them.
    const small = t.ctx.cache.stats();
    expect(small.responseEntries).toBeLessThanOrEqual(5);
    expect(small.entries - small.responseEntries).toBeLessThanOrEqual(5);
    expect(t.ctx.cache.stats().evictions).toBeGreaterThan(0);
    t.ctx.flags.setOverrides({});
    for (let id = 1; id <= 20; id++) await get(`/api/opportunities/${id}`);
    expect(t.ctx.cache.stats().entries).toBeGreaterThanOrEqual(20);
  });

  it.runIf(run)('an ingest in this process is served on the very next request', async () => {
    const before = (await get('/api/opportunities?page=1&limit=5')).json();
    const v0 = t.ctx.cache.dataVersion();
    const res = await ingestMadeListings(tdb.db, 3, 99, 'NEW', START + 3_600_000);
    expect(res.created).toBe(3);
    expect(t.ctx.cache.dataVersion()).toBeGreaterThan(v0);
    const after = (await get('/api/opportunities?page=1&limit=5')).json();
    expect(after.total).toBe(before.total + 3);
    expect(after.data.map((o: { lotId: string }) => o.lotId)).toEqual(expect.arrayContaining(['NEW0', 'NEW1', 'NEW2']));
  });

  it.runIf(run)('a version bumped by another process is picked up by the poll within a second', async () => {
    const url = '/api/opportunities/2';
    await get(url);
    const before = tdb.db.stats.queries;
    // Another process (a CLI ingest) writes through its own connection; no in-process notification.
    const other = openDb(tdb.url);
    await other.kysely.updateTable('opportunities').set({ make: 'Zzyzx' }).where('id', '=', 2).execute();
    await bumpDataVersion(other, START);
    await other.close();
    expect((await get(url)).json().make).not.toBe('Zzyzx'); // not yet learned
    clock.advance(1000);
    // The poll's query runs on the advanced clock; the page changes once its answer is in.
    await waitFor('the data-version poll to learn the other write', async () => (await get(url)).json().make === 'Zzyzx');
    expect(tdb.db.stats.queries - before).toBeGreaterThanOrEqual(1);
  });

  it.runIf(run)('readiness reports the memory cache', async () => {
    const body = (await get('/readyz')).json();
    expect(JSON.stringify(body)).toContain('"cache"');
    const report = await t.ctx.readiness.report();
    expect(report.components.cache?.status).toBe('ok');
  });
});
