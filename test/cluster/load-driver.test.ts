// The load driver is the measuring instrument of the fault suites, so it is tested against a
// server whose answers are known: each outcome must land in the right bucket.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFailure, LoadDriver, summarise } from './support/load.js';

let server: Server;
let base: string;
const hits: Record<string, number> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
    if (req.url === '/ok') res.end('ok');
    else if (req.url === '/busy') {
      res.statusCode = 503;
      res.end();
    } else if (req.url === '/gone') {
      res.statusCode = 410;
      res.end();
    } else req.socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('load driver', () => {
  it('issues exactly the bounded count, cycling paths, and buckets every outcome', async () => {
    const driver = new LoadDriver({
      targets: [base],
      paths: ['/ok', '/busy', '/gone', '/reset'],
      concurrency: 4,
      maxRequests: 40,
      maxDurationMs: 20_000,
    });
    const summary = await driver.run();
    expect(summary.sent).toBe(40);
    expect(summary.byStatus).toEqual({ 200: 10, 503: 10, 410: 10 });
    expect(Object.values(summary.errors).reduce((a, b) => a + b, 0)).toBe(10);
    // 5xx and no-response count as failed; a 410 is an answer, not a failure.
    expect(summary.failed).toBe(20);
    expect(driver.records.filter((r) => r.path === '/reset').every((r) => r.status === 0 && r.error)).toBe(true);
    expect(hits['/ok']).toBe(10);
  });

  it('stops issuing when stopped and spreads over targets still in rotation', async () => {
    const other = createServer((_req, res) => res.end('other'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const driver = new LoadDriver({
        targets: [base, otherBase],
        paths: ['/ok'],
        concurrency: 2,
        maxRequests: 100_000,
        maxDurationMs: 20_000,
      });
      const run = driver.run();
      while (driver.records.length < 20) await new Promise((r) => setTimeout(r, 5));
      driver.remove(otherBase);
      const removedAt = driver.now();
      while (driver.records.filter((r) => r.startedAt > removedAt).length < 10) await new Promise((r) => setTimeout(r, 5));
      driver.stop();
      const summary = await run;
      expect(summary.sent).toBeLessThan(100_000);
      expect(driver.records.filter((r) => r.startedAt > removedAt && r.target === otherBase)).toHaveLength(0);
      expect(new Set(driver.records.map((r) => r.target))).toEqual(new Set([base, otherBase]));
      expect(driver.records.every((r) => !isFailure(r))).toBe(true);
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('reports percentiles from answered requests only', () => {
    const s = summarise([
      { target: 't', path: '/', startedAt: 0, endedAt: 10, status: 200 },
      { target: 't', path: '/', startedAt: 0, endedAt: 30, status: 200 },
      { target: 't', path: '/', startedAt: 0, endedAt: 900, status: 0, error: 'ECONNREFUSED' },
    ]);
    expect(s.p95Ms).toBe(30);
    expect(s.errors).toEqual({ ECONNREFUSED: 1 });
    expect(s.failed).toBe(1);
  });
});
