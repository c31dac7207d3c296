// Value parsers' edges that the feed tests do not reach one by one.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { collapseSpaces, readIsoDateTime } from './value-parsers.js';

describe('collapseSpaces', () => {
  it('collapses every run of whitespace to one space and trims, Unicode spaces included', () => {
    const reference = (s: string) => s.replace(/\s+/g, ' ').trim();
    const alphabet = ['a', 'b', ' ', '\t', '\n', '\u00a0', '\u2003', '\ufeff'];
    const rnd = seededRandom(5);
    for (let t = 0; t < 5_000; t++) {
      let s = '';
      for (let k = Math.floor(rnd() * 12); k > 0; k--) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(collapseSpaces(s), JSON.stringify(s)).toBe(reference(s));
    }
    expect(collapseSpaces('  Ford \t F-150\u00a0 XL ')).toBe('Ford F-150 XL');
    expect(collapseSpaces('Ford F-150 XL')).toBe('Ford F-150 XL');
  });
});

describe('readIsoDateTime', () => {
  it('names the field and the value when it fails, however it fails', () => {
    for (const bad of ['2026-13-01', '2026-12-01T25:00:00Z', '2026-12-01T10:00:00+14:30', '2026-12-01T10:00:00+05:60', 'soon'])
      expect(readIsoDateTime('auction_end', bad)).toEqual({
        ok: false,
        problem: `auction_end: ${JSON.stringify(bad)} is not an ISO-8601 date`,
      });
  });
});
