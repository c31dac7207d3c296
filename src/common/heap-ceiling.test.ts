import { describe, expect, it } from 'vitest';
import { heapCeiling } from './heap-ceiling.js';

describe('heapCeiling', () => {
  it('collects at a batch boundary only when the heap is above the ceiling', () => {
    let used = 10;
    let collected = 0;
    const c = heapCeiling({
      ceilingBytes: 50,
      heapUsed: () => used,
      collect: () => {
        collected++;
        used = 20;
      },
    });
    expect(c.check()).toBe(false);
    used = 50;
    expect(c.check()).toBe(false);
    used = 51;
    expect(c.check()).toBe(true);
    // The collection brought the heap back under: the next boundary does nothing.
    expect(c.check()).toBe(false);
    expect([collected, c.collections]).toEqual([1, 1]);
  });

  it('waits for half a ceiling of growth when what survives a collection is near the ceiling', () => {
    let used = 0;
    let collected = 0;
    const c = heapCeiling({
      ceilingBytes: 100,
      heapUsed: () => used,
      collect: () => {
        collected++;
        used = 90;
      },
    });
    used = 120;
    expect(c.check()).toBe(true);
    // 90 survived: the next collection waits for 90 + 50.
    used = 130;
    expect(c.check()).toBe(false);
    used = 141;
    expect(c.check()).toBe(true);
    expect(collected).toBe(2);
  });

  it('runs a real full collection without --expose-gc', () => {
    const c = heapCeiling({ ceilingBytes: 0 });
    expect(c.check()).toBe(true);
    expect(c.collections).toBe(1);
  });
});
