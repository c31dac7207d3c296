import { describe, expect, it } from 'vitest';
import { inList } from './in-list.js';

describe('inList', () => {
  it('keeps every value in order and repeats only the last one', () => {
    for (const n of [1, 2, 8, 9, 17, 100, 300, 333, 1000]) {
      const values = Array.from({ length: n }, (_, i) => `lot-${i}`);
      const padded = inList(values);
      expect(padded.slice(0, n)).toEqual(values);
      expect(new Set(padded.slice(n))).toEqual(new Set(padded.length > n ? [values[n - 1]] : []));
    }
  });

  it('leaves lists of up to 8 as they are and pads longer ones by at most a quarter', () => {
    for (let n = 1; n <= 8; n++) expect(inList(Array(n).fill(0))).toHaveLength(n);
    for (let n = 9; n <= 5000; n++) {
      const size = inList(Array(n).fill(0)).length;
      expect(size).toBeGreaterThanOrEqual(n);
      expect(size).toBeLessThanOrEqual(n * 1.25);
    }
  });

  it('brings the lengths a batched import asks with down to a few dozen statements', () => {
    const lengths = new Set<number>();
    for (let n = 1; n <= 1000; n++) lengths.add(inList(Array(n).fill(0)).length);
    expect(lengths.size).toBeLessThanOrEqual(40);
    // A batch of 1,000 lots split among three sources asks with 333 and 334: one statement.
    expect(inList(Array(333).fill(0))).toHaveLength(inList(Array(334).fill(0)).length);
  });

  it('leaves an empty list empty', () => {
    expect(inList([])).toEqual([]);
  });
});
