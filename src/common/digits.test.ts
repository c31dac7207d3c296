import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';
import { groupDigits } from './digits.js';

// Intl is the reference here: the test process may load ICU, the service should not have to.
const intl = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

describe('groupDigits', () => {
  it('writes what en-US Intl writes for whole numbers, halves and fractions of every size', () => {
    const rnd = seededRandom(7);
    const values = [
      0,
      1,
      12,
      999,
      1000,
      1001,
      99_999,
      100_000,
      123_456_789,
      2 ** 31,
      0.5,
      1.5,
      2.5,
      999.5,
      1499.49,
      -1,
      -999.5,
      -1234,
      -1_000_000,
    ];
    for (let i = 0; i < 2000; i++)
      values.push(Math.floor(rnd() * 10 ** Math.floor(rnd() * 10)) * (rnd() < 0.2 ? -1 : 1) + (rnd() < 0.3 ? 0.5 : 0));
    for (const v of values) expect(groupDigits(v), String(v)).toBe(intl(v));
  });
  it('a negative that rounds to zero is written 0, not -0', () => {
    expect(groupDigits(-0.4)).toBe('0');
    expect(groupDigits(-0)).toBe('0');
  });
});
