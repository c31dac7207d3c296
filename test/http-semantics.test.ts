// HTTP semantics over the real app: conditional requests (only 2xx carry validators and become
// 304; If-None-Match lists and `*`), content codings matched case-insensitively, 431 with the
// error envelope and X-Request-Id over a real socket, 405 with Allow, calendar-checked dates, one
// framing policy, and HSTS only over HTTPS.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { makeListings, storeTestListings } from './support/listings.js';

/** Sends raw bytes and reads the whole answer (the server closes or answers one request). */
function rawRequest(port: number, text: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      data += c;
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(data.slice(0, end))?.[1] ?? NaN);
      if (Number.isFinite(length) && Buffer.byteLength(data.slice(end + 4)) >= length) socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    socket.on('close', () => {
      const end = data.indexOf('\r\n\r\n');
      const head = data.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(head[0]?.split(' ')[1]), headers, body: data.slice(end + 4) });
    });
    socket.write(text);
  });
}

describe('HTTP semantics', () => {
  let tdb: TestDb;
  let t: TestApp;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    await storeTestListings(tdb.db, makeListings(20, 7));
    t = await buildTestApp(tdb.db, { TRUST_PROXY: '10.0.0.0/8' });
    app = t.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await tdb.drop();
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('a 404 carries no validator and never becomes a 304, whatever If-None-Match says', async () => {
    const missing = await get('/api/opportunities/999999');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
    // What a body hash would have been, sent back as if it were a validator.
    const guessed = `"${createHash('sha1').update(missing.rawPayload).digest('base64')}"`;
    for (const inm of [guessed, `W/${guessed}`, '*', `"a", ${guessed}`]) {
      const again = await get('/api/opportunities/999999', { 'if-none-match': inm });
      expect(again.statusCode, inm).toBe(404);
      expect(again.json().error.code).toBe('not_found');
    }
    for (const url of ['/nowhere', '/api/opportunities?limit=0']) {
      const res = await get(url, { 'if-none-match': '*' });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.headers.etag, url).toBeUndefined();
    }
  });

  it('a detail id past 15 digits is refused saying so', async () => {
    const res = await get('/api/opportunities/1234567890123456');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field: 'id', message: 'must be a positive integer of at most 15 digits' }]);
  });

  it('If-None-Match takes a list, weak tags and `*` on 2xx answers', async () => {
    for (const [url, enc] of [
      ['/api/opportunities?limit=3', 'identity'],
      ['/api/opportunities?limit=3', 'gzip'],
      ['/healthz', 'identity'],
    ] as const) {
      const first = await get(url, { 'accept-encoding': enc });
      expect(first.statusCode).toBe(200);
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"[^"]+"$/);
      for (const inm of [etag, `"other", ${etag}`, `"a","b" , ${etag}`, `W/${etag}`, '*']) {
        const res = await get(url, { 'accept-encoding': enc, 'if-none-match': inm });
        expect(res.statusCode, `${url} ${enc} ${inm}`).toBe(304);
        expect(res.body).toBe('');
        expect(res.headers.etag).toBe(etag);
      }
      expect((await get(url, { 'accept-encoding': enc, 'if-none-match': '"other", "another"' })).statusCode).toBe(200);
    }
  });

  it('content codings are matched case-insensitively', async () => {
    for (const accept of ['GZIP', 'Gzip;q=1.0', 'br;q=0.5, GZip']) {
      const res = await get('/api/opportunities?limit=3', { 'accept-encoding': accept });
      expect(res.headers['content-encoding'], accept).toBe('gzip');
    }
    expect((await get('/api/opportunities?limit=3', { 'accept-encoding': 'GZIP;q=0' })).headers['content-encoding']).toBeUndefined();
  });

  it('headers over 16 KB get 431 with the error envelope and X-Request-Id, below and above the parser cap', async () => {
    for (const size of [20 * 1024, 120 * 1024]) {
      const res = await rawRequest(
        port,
        `GET /api/opportunities HTTP/1.1\r\nHost: localhost\r\nX-Filler: ${'a'.repeat(size)}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status, `${size}`).toBe(431);
      expect(res.headers['x-request-id'], `${size}`).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body).error.code, `${size}`).toBe('request_headers_too_large');
    }
  });

  it('a wrong method on a known path is 405 with Allow; an unknown path stays 404', async () => {
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/api/opportunities', 'GET, HEAD'],
      ['POST', '/api/opportunities/5', 'GET, HEAD'],
      ['PUT', '/admin/feature-flags', 'GET, HEAD, POST'],
      ['GET', '/admin/imports', 'POST'],
      ['PATCH', '/console/logout', 'POST'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await app.inject({ method: method as 'GET', url });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow, `${method} ${url}`).toBe(allow);
      expect(res.json().error.code).toBe('method_not_allowed');
      expect(res.headers['x-request-id']).toBeTruthy();
    }
    expect((await app.inject({ method: 'DELETE', url: '/no/such/path' })).statusCode).toBe(404);
  });

  it('dates that are not on the calendar are rejected, real ones accepted', async () => {
    for (const bad of [
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-04-31',
      '2026-13-01T00:00:00Z',
      '2026-02-28T24:00:00Z',
      '2026-02-28T10:00:00',
    ]) {
      const res = await get(`/api/opportunities?endsBefore=${encodeURIComponent(bad)}`);
      expect(res.statusCode, bad).toBe(400);
      expect(
        res.json().error.details.map((d: { field: string }) => d.field),
        bad,
      ).toEqual(['endsBefore']);
    }
    for (const good of ['2024-02-29T00:00:00Z', '2026-02-28T23:59:59.5+05:00', '2026-12-31']) {
      expect((await get(`/api/opportunities?endsBefore=${encodeURIComponent(good)}`)).statusCode, good).toBe(200);
    }
  });

  it('one framing policy, and HSTS only over HTTPS', async () => {
    const plain = await get('/healthz');
    expect(plain.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(plain.headers['x-frame-options']).toBe('DENY');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    // A trusted proxy that terminated TLS.
    const proxied = await app.inject({
      method: 'GET',
      url: '/healthz',
      remoteAddress: '10.1.2.3',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(proxied.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    // Anyone else saying https is not believed.
    const spoofed = await app.inject({
      method: 'GET',
      url: '/healthz',
      remoteAddress: '192.0.2.9',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();
  });
});
