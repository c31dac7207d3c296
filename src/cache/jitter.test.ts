import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { JITTER_FRACTION, jitteredTtl } from './jitter.js';

describe('TTL jitter', () => {
  it('stays within ±15 % and actually spreads', () => {
    const rnd = seededRandom(42);
    const base = 60_000;
    const ttls = Array.from({ length: 5000 }, () => jitteredTtl(base, rnd));
    const min = Math.min(...ttls);
    const max = Math.max(...ttls);
    expect(min).toBeGreaterThanOrEqual(Math.floor(base * (1 - JITTER_FRACTION)));
    expect(max).toBeLessThanOrEqual(Math.ceil(base * (1 + JITTER_FRACTION)));
    // A uniform spread over 5000 draws reaches close to both ends and is centred on the base.
    expect(min).toBeLessThan(base * (1 - JITTER_FRACTION * 0.9));
    expect(max).toBeGreaterThan(base * (1 + JITTER_FRACTION * 0.9));
    const mean = ttls.reduce((a, b) => a + b, 0) / ttls.length;
    expect(Math.abs(mean - base)).toBeLessThan(base * 0.01);
    expect(new Set(ttls).size).toBeGreaterThan(1000);
  });

  it('maps the ends of the random range onto the ends of the band', () => {
    expect(jitteredTtl(1000, () => 0)).toBe(850);
    expect(jitteredTtl(1000, () => 0.5)).toBe(1000);
    expect(jitteredTtl(1000, () => 0.999999)).toBe(1150);
  });
});
