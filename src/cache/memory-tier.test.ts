import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/clock.js';
import { approximateJsonLength, estimateBytes, MemoryTier } from './memory-tier.js';

const page = (n: number) => ({ items: Array.from({ length: n }, (_, i) => ({ id: i, make: 'Ford', model: 'F-150' })) });

describe('memory tier', () => {
  it('evicts least recently used entries to stay inside the byte budget', () => {
    const clock = new ManualClock(0);
    const evicted: number[] = [];
    const json = JSON.stringify(page(20));
    const one = estimateBytes(json.length, 'k00');
    const budget = one * 5 + one / 2; // room for five entries, not six
    const tier = new MemoryTier(1000, budget, clock, (n) => evicted.push(n));
    for (let i = 0; i < 12; i++)
      tier.set(`k${String(i).padStart(2, '0')}`, page(20), estimateBytes(json.length, `k${String(i).padStart(2, '0')}`), 60_000);
    expect(tier.entries).toBe(5);
    expect(tier.bytes).toBeLessThanOrEqual(budget);
    expect(tier.evictions).toBe(7);
    expect(evicted.reduce((a, b) => a + b, 0)).toBe(7);
    expect(tier.get('k00')).toBeUndefined();
    expect(tier.get('k11')?.value).toEqual(page(20));
  });

  it('honours the entry bound and a runtime change of it, keeping the newest entries', () => {
    const clock = new ManualClock(0);
    const tier = new MemoryTier(10, 1e9, clock);
    for (let i = 0; i < 10; i++) tier.set(`k${i}`, i, 100, 60_000);
    tier.get('k0'); // most recently used now
    tier.resize(3);
    expect(tier.entries).toBe(3);
    expect(tier.capacity).toBe(3);
    expect(tier.get('k0')?.value).toBe(0);
    expect(tier.get('k9')?.value).toBe(9);
    expect(tier.get('k1')).toBeUndefined();
    tier.set('new', 'x', 100, 60_000);
    expect(tier.entries).toBe(3);
    tier.resize(50);
    for (let i = 0; i < 40; i++) tier.set(`m${i}`, i, 100, 60_000);
    expect(tier.entries).toBe(43);
  });

  it('expires entries by the injected clock, keeping remaining TTL across a resize', () => {
    const clock = new ManualClock(1_000_000);
    const tier = new MemoryTier(10, 1e9, clock);
    tier.set('a', 1, 10, 5_000);
    clock.advance(3_000);
    tier.resize(5);
    expect(tier.get('a')?.value).toBe(1);
    clock.advance(2_100);
    expect(tier.get('a')).toBeUndefined();
  });

  it('tells a cached null apart from a miss', () => {
    const tier = new MemoryTier(10, 1e9, new ManualClock(0));
    tier.set('gone', null, 10, 1000);
    expect(tier.get('gone')?.value).toBeNull();
    expect(tier.get('never')).toBeUndefined();
  });
});

describe('approximateJsonLength', () => {
  it('is within 10 % of the real length for pages, details and small values', () => {
    const item = (i: number) => ({
      id: i,
      make: i % 2 ? 'Ford' : 'Chevrolet',
      model: 'F-150',
      location: { state: 'TX', city: null },
      profit: 1234.5 + i,
      anomalies: [],
    });
    const page = Array.from({ length: 50 }, (_, i) => item(i));
    for (const v of [page, { items: page, hasMore: true, last: { key: 12.5, id: 9 } }, item(7), 42, null, [item(1)], 'text']) {
      const real = JSON.stringify(v).length;
      expect(Math.abs(approximateJsonLength(v) - real) / real).toBeLessThan(0.1);
    }
  });
});
