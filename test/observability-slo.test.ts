// Windowed SLIs from the HTTP histogram, the console's SLO tiles and the SLO watch's alerts,
// driven by a ManualClock and real prom-client histograms.
import { describe, expect, it } from 'vitest';
import { FlagService } from '../src/flags/flag-service.js';
import { AlertFeed, type Alert } from '../src/observability/alert-feed.js';
import { HttpWindow, quantileFromBuckets } from '../src/observability/http-window.js';
import { createMetrics, HTTP_BUCKETS } from '../src/observability/metrics.js';
import { SIGNALS, Signals } from '../src/observability/signals.js';
import { GATE, MIB, readSloTiles } from '../src/observability/slo-tiles.js';
import { SloWatch } from '../src/observability/slo-watch.js';
import { ManualClock } from '../src/common/clock.js';
import { seededRandom } from '../src/common/random.js';

function setup(opts: { windowMs?: number; minSamples?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const metrics = createMetrics({ defaultMetrics: false });
  const http = new HttpWindow(metrics.httpDuration, HTTP_BUCKETS, clock, {
    windowMs: opts.windowMs ?? 60_000,
    sampleEveryMs: 10_000,
    minSamples: opts.minSamples ?? 20,
  });
  const observe = (n: number, seconds: number, status = 200, route = '/api/opportunities') => {
    for (let i = 0; i < n; i++) metrics.httpDuration.observe({ method: 'GET', route, status_code: String(status) }, seconds);
  };
  return { clock, metrics, http, observe };
}

/** Nearest-rank P95 of a sample, for comparison with the bucket estimate. */
function exactP95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1] as number;
}

describe('quantileFromBuckets', () => {
  it('lands in the bucket that holds the true P95 of a random sample', () => {
    const rnd = seededRandom(42);
    const values = Array.from({ length: 2000 }, () => 0.02 + rnd() * rnd() * 0.4);
    const cumulative = HTTP_BUCKETS.map((b) => values.filter((v) => v <= b).length);
    const est = quantileFromBuckets(0.95, HTTP_BUCKETS, cumulative, values.length) as number;
    const exact = exactP95(values);
    const upper = HTTP_BUCKETS.find((b) => b >= exact) as number;
    const lower = [...HTTP_BUCKETS].reverse().find((b) => b < exact) ?? 0;
    expect(est).toBeGreaterThan(lower);
    expect(est).toBeLessThanOrEqual(upper);
  });

  it('answers the highest finite bound when the rank is in +Inf, and null with no data', () => {
    const cumulative = HTTP_BUCKETS.map(() => 0);
    expect(quantileFromBuckets(0.95, HTTP_BUCKETS, cumulative, 10)).toBe(HTTP_BUCKETS[HTTP_BUCKETS.length - 1]);
    expect(quantileFromBuckets(0.95, HTTP_BUCKETS, cumulative, 0)).toBeNull();
  });
});

describe('HttpWindow', () => {
  it('reports nothing under the minimum-sample guard', async () => {
    const { http, observe } = setup({ minSamples: 20 });
    observe(19, 0.9);
    const r = await http.read();
    expect(r.requests).toBe(19);
    expect(r.p95Seconds).toBeNull();
    expect(r.errorRate).toBeNull();
  });

  it('counts errors and leaves scrapes and the event stream out', async () => {
    const { http, observe } = setup();
    observe(97, 0.01);
    observe(3, 0.01, 503);
    observe(500, 0.001, 200, '/metrics');
    observe(5, 30, 200, '/console/events');
    const r = await http.read();
    expect(r.requests).toBe(100);
    expect(r.errors).toBe(3);
    expect(r.errorRate).toBeCloseTo(0.03, 10);
    expect(r.p95Seconds).toBeLessThanOrEqual(0.01);
  });

  it('forgets requests older than the window once samples cover it', async () => {
    const { clock, http, observe } = setup({ windowMs: 60_000 });
    http.start();
    observe(50, 2); // slow burst at the start
    clock.advance(10_000);
    await http.sample();
    expect((await http.read()).p95Seconds).toBeGreaterThan(GATE.p95Seconds);
    // Seventy seconds of fast traffic later the slow burst is outside the one-minute window.
    for (let i = 0; i < 7; i++) {
      observe(30, 0.02);
      clock.advance(10_000);
      await http.sample();
    }
    const r = await http.read();
    http.stop();
    expect(r.requests).toBeGreaterThanOrEqual(30);
    expect(r.requests).toBeLessThan(30 * 7);
    expect(r.coveredMs).toBeGreaterThanOrEqual(60_000);
    expect(r.p95Seconds).toBeLessThanOrEqual(0.025);
  });
});

describe('SLO tiles and watch', () => {
  function tileSetup() {
    const s = setup();
    const signals = new Signals();
    const flags = new FlagService({ env: 'development' });
    let rss = 50 * MIB;
    const sources = { http: s.http, signals, flags, rssBytes: () => rss };
    const feed = new AlertFeed(s.clock, s.metrics.registry);
    const alerts: Alert[] = [];
    feed.subscribe((a) => alerts.push(a));
    const watch = new SloWatch(sources, feed, s.clock, { everyMs: 15_000 });
    return {
      ...s,
      signals,
      flags,
      sources,
      feed,
      alerts,
      watch,
      setRss: (v: number) => {
        rss = v;
      },
    };
  }

  it('shows no data rather than a number when nothing was measured', async () => {
    const t = tileSetup();
    const tiles = await readSloTiles(t.sources);
    const byKey = Object.fromEntries(tiles.map((x) => [x.key, x]));
    expect(byKey.p95?.status).toBe('no_data');
    expect(byKey.p95?.display).toBe('no data');
    expect(byKey.error_rate?.status).toBe('no_data');
    expect(byKey.hit_rate?.status).toBe('no_data');
    expect(byKey.rss?.status).toBe('ok');
  });

  it('uses real process memory by default', async () => {
    const t = tileSetup();
    const before = process.memoryUsage().rss;
    const tiles = await readSloTiles({ http: t.http, signals: t.signals, flags: t.flags });
    const after = process.memoryUsage().rss;
    const rss = tiles.find((x) => x.key === 'rss')?.value as number;
    expect(rss).toBeGreaterThanOrEqual(Math.min(before, after) * 0.9);
    expect(rss).toBeLessThanOrEqual(Math.max(before, after) * 1.1);
  });

  it('raises the hit-rate threshold when the Redis cache is on', async () => {
    const t = tileSetup();
    t.signals.register(SIGNALS.cacheHitRatio, () => 0.8);
    const memory = (await readSloTiles(t.sources)).find((x) => x.key === 'hit_rate');
    expect(memory?.status).toBe('ok');
    t.flags.setOverrides({ CACHE_PROVIDER: 'redis' });
    const redis = (await readSloTiles(t.sources)).find((x) => x.key === 'hit_rate');
    expect(redis?.threshold).toBe(GATE.hitRateRedis);
    expect(redis?.status).toBe('breach');
  });

  it('alerts once when a tile breaks its gate and once when it recovers', async () => {
    const t = tileSetup();
    let hit = 0.9;
    t.signals.register(SIGNALS.cacheHitRatio, () => hit);
    t.watch.start();
    t.clock.advance(15_000);
    await t.watch.evaluate();
    expect(t.alerts).toHaveLength(0);

    hit = 0.3;
    t.setRss(130 * MIB);
    t.clock.advance(15_000);
    await t.watch.evaluate();
    t.clock.advance(15_000);
    await t.watch.evaluate(); // still breached: no repeat
    const raised = t.alerts.filter((a) => !a.resolved);
    expect(raised.map((a) => a.title).sort()).toEqual([
      expect.stringMatching(/^Cache hit rate 30\.0 % breaks its gate/),
      expect.stringMatching(/^Resident memory 130\.0 MB breaks its gate/),
    ]);
    expect(raised.every((a) => a.channel === 'performance' && a.source === 'slo-watch')).toBe(true);

    hit = 0.95;
    t.clock.advance(15_000);
    await t.watch.evaluate();
    t.watch.stop();
    const resolved = t.alerts.filter((a) => a.resolved);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]?.title).toMatch(/^Cache hit rate back within its gate/);
    expect(t.feed.recent(10)[0]?.id).toBe(resolved[0]?.id);
  });
});
