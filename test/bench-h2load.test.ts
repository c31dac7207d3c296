// The benchmark's paced load (h2load at a fixed rate) against a real local server: a stall in the
// server must show in the percentiles although the requests due during it are timed by h2load
// from when they went out; statuses and headers must be what was sent and answered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runH2loadPaced, scheduledLatencies, sendLags } from '../bench/h2load.js';

describe('scheduledLatencies', () => {
  it('counts each latency from when the request was due, never less than its own', () => {
    // At 100 a second the requests are due at 0, 10, 20 and 30 ms; the last two went out at 45 and
    // 46 ms (behind a slow response), 25 and 16 ms late. Log order is not send order.
    const sent = [
      { sentMs: 1000, latencyMs: 2 },
      { sentMs: 1046, latencyMs: 4 },
      { sentMs: 1010, latencyMs: 3 },
      { sentMs: 1045, latencyMs: 1 },
    ];
    expect([...scheduledLatencies(sent, 100)]).toEqual([2, 3, 20, 26]);
  });
});

describe('sendLags', () => {
  it('is how late each send was against an even schedule at the rate, early sends negative', () => {
    // At 100 a second the instants are 0, 10, 20 and 30 ms after the first send. Two requests went
    // out together at 5 ms (a burst), 5 and 15 ms early, and the last 16 ms late. Log order is not
    // send order.
    const sent = [
      { sentMs: 1000, latencyMs: 2 },
      { sentMs: 1046, latencyMs: 4 },
      { sentMs: 1005, latencyMs: 3 },
      { sentMs: 1005, latencyMs: 1 },
    ];
    expect([...sendLags(sent, 100)]).toEqual([-15, -5, 0, 16]);
  });
});

describe('runH2loadPaced', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    await new Promise((r) => server?.close(r));
    server = undefined;
  });

  /** A server answering at once, except that the `stallAt`th request blocks its event loop for `stallMs`. */
  async function start(stallAt: number, stallMs: number) {
    const seen = { requests: 0, withKey: 0 };
    server = http.createServer((req, res) => {
      seen.requests++;
      if (req.headers['x-api-key'] === 'k') seen.withKey++;
      if (seen.requests === stallAt) {
        const until = performance.now() + stallMs;
        while (performance.now() < until);
      }
      res.writeHead(req.url === '/fail' ? 503 : 200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  it('counts a 400 ms stall in p95, which the sent requests alone would hide', async () => {
    const { base, seen } = await start(300, 400);
    let times: Float64Array = new Float64Array(0);
    let fromSend: Float64Array = new Float64Array(0);
    const r = await runH2loadPaced(base, ['/a', '/b', '/fail', '/c'], {
      rate: 500,
      durationS: 2,
      connections: 10,
      gzip: true,
      headers: { 'x-api-key': 'k' },
      onTimes: (t, sent) => {
        times = t;
        fromSend = sent;
      },
    });
    expect(r.asked).toBe(1000);
    expect(r.requests).toBeGreaterThan(0.97 * r.asked);
    expect(r.requests).toBe(seen.requests);
    expect(seen.withKey).toBe(seen.requests);
    expect(r.non2xx).toBeGreaterThan(r.requests / 4 - 20);
    expect(r.non2xx).toBeLessThan(r.requests / 4 + 20);
    expect(r.errors).toBe(0);
    // Ten requests were caught in the stall; the ~200 due during it went out after it, late by up
    // to 400 ms, so well over 5 % of all waited 100 ms or more from when they were due.
    expect(times.length).toBe(r.requests);
    expect(r.p95).toBeGreaterThan(100);
    expect(r.p50).toBeLessThan(50);
    // Counted from the send, only the requests caught in the stall waited: p95 misses it, and
    // the requests due during it went out late, which is what the send lag measures.
    expect(fromSend.length).toBe(r.requests);
    expect(r.p95FromSend).toBeLessThan(50);
    expect(r.sendLagP95).toBeGreaterThan(100);
  }, 30_000);

  it('sends the rate asked of a server that keeps up, with low latency', async () => {
    const { base } = await start(-1, 0);
    const r = await runH2loadPaced(base, ['/a'], { rate: 500, durationS: 2, connections: 10, gzip: false });
    expect(r.requests).toBeGreaterThan(0.97 * r.asked);
    expect(r.non2xx).toBe(0);
    expect(r.p95).toBeLessThan(50);
  }, 30_000);
});
