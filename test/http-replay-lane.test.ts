// The replay lane over a real socket: a URL answered from the shared cache is answered again
// without Fastify's hook chain, with the same status, headers and bytes, and with every
// per-request control still applied (rate limit, request id, security headers and HSTS, metrics,
// the rollout's request window, the cache's hit count); anything personal, conditional or changed
// (a flag, the data) goes the normal way.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from './support/databases.js';
import { buildTestApp, clockFrom, type TestApp } from './support/app.js';
import { ingestMadeListings, makeListings, storeTestListings } from './support/listings.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Headers that differ between two answers by design (per request or per second). */
const stable = (h: IncomingHttpHeaders) => {
  const { date: _d, 'x-request-id': _id, 'ratelimit-remaining': _r, ...rest } = h;
  return rest;
};

const AT = Date.UTC(2026, 10, 1);
const GZIP = { 'accept-encoding': 'gzip, deflate' };
const LIST = '/api/opportunities?limit=5&sort=profit&cursor=';

describe('the replay lane', () => {
  let tdb: TestDb;
  let t: TestApp;
  let port: number;

  async function start(env: Record<string, string> = {}, logStream?: { write(line: string): void }): Promise<void> {
    tdb = await createTestDb('sqlite');
    await storeTestListings(tdb.db, makeListings(30, 11), AT);
    // The fixtures' auctions end in December 2026; the app's clock runs from a month before.
    t = await buildTestApp(tdb.db, env, clockFrom(AT), logStream);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  }
  const replayed = () => t.app.replayLane?.replayed ?? 0;

  afterEach(async () => {
    await t.app.close();
    await t.ctx.db.close();
    await tdb.drop();
  });

  it('answers a repeated anonymous GET with the normal path’s status, headers and bytes, for both codings and every cached route', async () => {
    await start();
    const detailId = JSON.parse((await get(port, LIST)).body.toString()).items[0].id as number;
    for (const path of [LIST, '/api/opportunities?limit=5&page=2', `/api/opportunities/${detailId}`]) {
      for (const headers of [GZIP, {}]) {
        const first = await get(port, path, headers);
        const before = replayed();
        const again = await get(port, path, headers);
        expect(replayed(), `${path} ${JSON.stringify(headers)}`).toBe(before + 1);
        expect(again.status).toBe(200);
        expect(stable(again.headers)).toEqual(stable(first.headers));
        expect(again.body.equals(first.body)).toBe(true);
        expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
        // The same URL answers a dealer's key or session with the dealer's own figures: no cache
        // may hand this anonymous answer to them.
        expect(again.headers.vary).toBe('Accept-Encoding, X-API-Key, Cookie');
      }
    }
    const gz = await get(port, LIST, GZIP);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.etag).toMatch(/-gz"$/);
  });

  it('keeps every per-request control: request id, rate limit and its refusal, metrics, the rollout window, cache hits', async () => {
    await start({ FF_ENABLE_RATE_LIMITING: 'true', RATE_LIMIT_PER_MINUTE: '4' });
    const histogramCount = async () => {
      const text = await t.ctx.metrics.registry.getSingleMetricAsString('http_request_duration_seconds');
      const line = text
        .split('\n')
        .find((l) => l.startsWith('http_request_duration_seconds_count') && l.includes('route="/api/opportunities"'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const windowRequests = () => t.ctx.rollout.measurements.read('error_rate', 600_000, 1).samples ?? 0;
    await get(port, LIST);
    const [hits, count, requests, lane] = [t.ctx.cache.stats().hits, await histogramCount(), windowRequests(), replayed()];

    const second = await get(port, LIST, { 'x-request-id': 'caller-id-1' });
    expect(replayed()).toBe(lane + 1);
    expect(second.headers['x-request-id']).toBe('caller-id-1');
    expect(second.headers['ratelimit-remaining']).toBe('2');
    const insane = await get(port, LIST, { 'x-request-id': 'not a sane id' });
    expect(insane.headers['x-request-id']).not.toBe('not a sane id');
    expect(insane.headers['ratelimit-remaining']).toBe('1');
    await get(port, LIST);
    expect(replayed()).toBe(lane + 3);
    expect(t.ctx.cache.stats().hits).toBe(hits + 3);
    expect(await histogramCount()).toBe(count + 3);
    expect(windowRequests()).toBe(requests + 3);

    // The fifth request in the minute is refused once, by the normal path, with its envelope.
    const refused = await get(port, LIST);
    expect(replayed()).toBe(lane + 3);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body.toString()).error.code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBeDefined();
    const limited = await t.ctx.metrics.registry.getSingleMetricAsString('dealerscope_rate_limited_total');
    expect(limited).toMatch(/dealerscope_rate_limited_total\{scope="ip"\} 1/);
  });

  it('counts a request once when a later step hands it to the normal path after the rate limit let it through', async () => {
    await start({ FF_ENABLE_RATE_LIMITING: 'true', RATE_LIMIT_PER_MINUTE: '4' });
    await get(port, LIST);
    const lane = replayed();
    // A step after the rate limit that sends every request the normal way.
    t.app.replayLane?.gate(() => null);
    const handed = await get(port, LIST);
    expect(replayed()).toBe(lane);
    expect(handed.status).toBe(200);
    expect(handed.headers['ratelimit-remaining']).toBe('2');
    expect((await get(port, LIST)).headers['ratelimit-remaining']).toBe('1');
  });

  it('sends HSTS only when the normal path would: HTTPS through a trusted proxy', async () => {
    await start({ TRUST_PROXY: '127.0.0.1' });
    await get(port, LIST);
    const lane = replayed();
    const plain = await get(port, LIST);
    const viaProxy = await get(port, LIST, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' });
    expect(replayed()).toBe(lane + 2);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    expect(viaProxy.headers['strict-transport-security']).toMatch(/max-age=/);
  });

  it('leaves personal, conditional, HEAD and changed answers to the normal path', async () => {
    await start();
    const first = await get(port, LIST);
    const lane = replayed();
    const conditional = await get(port, LIST, { 'if-none-match': String(first.headers.etag) });
    expect(conditional.status).toBe(304);
    const keyed = await get(port, LIST, { 'x-api-key': 'dsk_not_a_real_key' });
    expect(keyed.status).toBe(401);
    await get(port, LIST, { cookie: 'ds_dealer=nobody' });
    expect((await get(port, LIST, {}, 'HEAD')).status).toBe(200);
    expect(replayed()).toBe(lane);

    // A flag change forgets every remembered URL: the page API switched off answers 410 at once.
    await get(port, '/api/opportunities?limit=5&page=1');
    t.ctx.flags.setOverrides({ LEGACY_PAGE_API: false });
    const retired = await get(port, '/api/opportunities?limit=5&page=1');
    expect(retired.status).toBe(410);
    expect(JSON.parse(retired.body.toString()).error.code).toBe('legacy_page_api_removed');
    t.ctx.flags.setOverrides({});

    // New data (a new data version) is answered fresh by the normal path, then replayed again.
    const page = '/api/opportunities?limit=5&page=1';
    await get(port, page);
    const version = t.ctx.cache.dataVersion();
    await ingestMadeListings(tdb.db, 5, 99, 'NEW', AT);
    expect(t.ctx.cache.dataVersion()).toBeGreaterThan(version);
    const laneBefore = replayed();
    const fresh = await get(port, page);
    expect(replayed()).toBe(laneBefore);
    expect(JSON.parse(fresh.body.toString()).total).toBe(35);
    const again = await get(port, page);
    expect(replayed()).toBe(laneBefore + 1);
    expect(again.body.equals(fresh.body)).toBe(true);
  });

  it('writes the request log lines Fastify writes, with the request id', async () => {
    const lines: Array<Record<string, unknown>> = [];
    await start({ LOG_LEVEL: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    await get(port, LIST, { 'x-request-id': 'normal-1' });
    const lane = replayed();
    await get(port, LIST, { 'x-request-id': 'replayed-1' });
    expect(replayed()).toBe(lane + 1);
    const of = (id: string) => lines.filter((l) => l.reqId === id);
    const shape = (l: Record<string, unknown>) => ({ msg: l.msg, level: l.level, keys: Object.keys(l).sort() });
    expect(of('replayed-1').map(shape)).toEqual(of('normal-1').map(shape));
    expect(of('replayed-1').map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    expect(of('replayed-1')[0]?.req).toEqual(of('normal-1')[0]?.req);
  });
});
