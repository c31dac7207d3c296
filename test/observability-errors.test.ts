// Structured JSON logs carry the request id, and with SENTRY_DSN set a 5xx reaches Sentry:
// a local HTTP server plays the DSN host and receives the real SDK's envelope.
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { buildApp } from '../src/http/app.js';
import { createContext } from '../src/http/service.js';
import type { FastifyInstance } from 'fastify';
import { createTestDb, type TestDb } from './support/databases.js';

interface Envelope {
  path: string;
  body: string;
}

describe('logs and error reporting', () => {
  let tdb: TestDb;
  let app: FastifyInstance;
  let sentry: Server;
  const envelopes: Envelope[] = [];
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    sentry = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        envelopes.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => sentry.listen(0, '127.0.0.1', r));
    const port = (sentry.address() as { port: number }).port;
    tdb = await createTestDb('sqlite');
    const config = loadConfig({
      DEALERSCOPE_ENV: 'development',
      ADMIN_TOKEN: 'test-admin-token-0123456789',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      SENTRY_DSN: `http://publickey@127.0.0.1:${port}/4242`,
    });
    const ctx = await createContext(config, { db: tdb.db });
    const logStream = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    app = await buildApp(ctx, { logStream });
    app.get('/test/explode', async () => {
      throw new Error('observability test explosion');
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
    await new Promise((r) => sentry?.close(r));
  });

  it('logs JSON lines with the request id, and an error with its id and stack', async () => {
    const res = await app.inject({ url: '/test/explode', headers: { 'x-request-id': 'req-obs-test-1' } });
    expect(res.statusCode).toBe(500);
    expect(res.headers['x-request-id']).toBe('req-obs-test-1');
    expect(res.json().error.code).toBe('internal_error');
    const mine = lines.filter((l) => l.reqId === 'req-obs-test-1');
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const l of mine) expect(l.service).toBe('dealerscope');
    const err = mine.find((l) => l.level === 50) as { err?: { message?: string; stack?: string } } | undefined;
    expect(err?.err?.message).toBe('observability test explosion');
    expect(err?.err?.stack).toMatch(/observability-errors\.test\.ts/);
  });

  it('never logs the admin token', async () => {
    await app.inject({
      url: '/admin/feature-flags',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'x-request-id': 'req-obs-test-2' },
    });
    expect(JSON.stringify(lines)).not.toContain('test-admin-token-0123456789');
  });

  it('sends a 5xx to Sentry with the error and the request id', async () => {
    await app.inject({ url: '/test/explode', headers: { 'x-request-id': 'req-obs-sentry-7' } });
    await app.observability.errors?.flush(5000);
    const hit = envelopes.find((e) => e.body.includes('req-obs-sentry-7'));
    expect(hit, `envelopes received: ${envelopes.length}`).toBeDefined();
    expect(hit?.path.split('?')[0]).toBe('/api/4242/envelope/');
    const [header, itemHeader, payload] = (hit?.body ?? '').split('\n');
    expect(JSON.parse(header as string).event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(itemHeader as string).type).toBe('event');
    const event = JSON.parse(payload as string);
    expect(event.exception.values[0].value).toBe('observability test explosion');
    expect(event.tags).toMatchObject({ request_id: 'req-obs-sentry-7', route: '/test/explode', status_code: '500' });
    expect(event.environment).toBe('development');
  });

  it('does not report client errors', async () => {
    const before = envelopes.length;
    await app.inject({ url: '/api/opportunities?limit=100000', headers: { 'x-request-id': 'req-obs-4xx' } });
    await app.observability.errors?.flush(2000);
    expect(envelopes.length).toBe(before);
    expect(envelopes.some((e) => e.body.includes('req-obs-4xx'))).toBe(false);
  });
});
