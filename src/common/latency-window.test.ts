import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyWindow, logScale, sampleQuantile, type LatencySample } from './latency-window.js';

describe('logScale', () => {
  it('keeps the bin numbers the stored windows were written with', () => {
    // The rollout's windows (2 % from 1 ms) share these numbers across replicas; the canary's are 5 % from 50 µs up to ten minutes.
    const slo = logScale(1.02, 1);
    expect([slo.binOf(0.3), slo.binOf(1), slo.binOf(1.5), slo.binOf(100), slo.binOf(250)]).toEqual([0, 0, 21, 233, 279]);
    const canary = logScale(1.05, 0.05, 600_000);
    expect([canary.binOf(0.01), canary.binOf(100), canary.binOf(600_000), canary.binOf(1e9)]).toEqual([0, 156, 335, 335]);
  });

  it('reads any latency back within half a bin of the truth', () => {
    const scale = logScale(1.02, 1);
    fc.assert(
      fc.property(fc.double({ min: 1.001, max: 1e6, noNaN: true }), (ms) => {
        const back = scale.valueOf(scale.binOf(ms));
        expect(Math.abs(back - ms) / ms).toBeLessThanOrEqual(0.0100001);
      }),
    );
  });
});

describe('LatencyWindow', () => {
  const scale = logScale(1.02, 1);

  it('sums whole buckets over a span, per series or over all of them', () => {
    const w = new LatencyWindow({ bucketMs: 1000, retainMs: 60_000, scale });
    w.record('api', 500, 10, false);
    w.record('api', 1500, 20, true);
    w.record('admin', 1600, 30, false);
    w.record('api', 2500, 40, false);
    const api = w.sum(1, 2, 'api');
    expect([api.requests, api.errors]).toEqual([2, 1]);
    const all = w.sum(0, 2);
    expect([all.requests, all.errors]).toEqual([4, 1]);
    expect(w.sum(0, 2, 'missing').requests).toBe(0);
    expect(w.seriesNames()).toEqual(['admin', 'api']);
  });

  it('drops buckets past the retention when a new one opens, so memory stays bounded', () => {
    const w = new LatencyWindow({ bucketMs: 1000, retainMs: 5000, scale });
    for (let t = 0; t < 100_000; t += 100) w.record('api', t, (t % 977) + 1, false);
    expect(w.sum(0, 1000).requests).toBe(60);
    expect(w.size()).toBeLessThanOrEqual(6 * 11);
  });

  it('adds totals measured elsewhere into the bucket at a time, on the same scale', () => {
    const w = new LatencyWindow({ bucketMs: 1000, retainMs: 60_000, scale });
    w.record('api', 1200, 100, false);
    w.add('api', 1900, { requests: 3, errors: 2, bins: new Map([[scale.binOf(100), 3]]) });
    const s = w.sum(1, 1, 'api');
    expect([s.requests, s.errors, s.bins.get(scale.binOf(100))]).toEqual([4, 2, 4]);
  });

  it('answers the quantile at rank ⌈q·n⌉, and null without requests', () => {
    const w = new LatencyWindow({ bucketMs: 1000, retainMs: 60_000, scale });
    for (let i = 1; i <= 100; i++) w.record('api', 0, i, false);
    const s = w.sum(0, 0);
    expect(Math.abs((sampleQuantile(s, 0.95, scale) as number) - 95) / 95).toBeLessThan(0.011);
    expect(sampleQuantile(s, 0.5, scale)).toBeLessThan(sampleQuantile(s, 0.95, scale) as number);
    const none: LatencySample = { requests: 0, errors: 0, bins: new Map() };
    expect(sampleQuantile(none, 0.95, scale)).toBeNull();
  });
});
