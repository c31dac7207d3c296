import { describe, expect, it } from 'vitest';
import { repeatedRowKeys } from './json-repeated-keys.js';
import { parseListingFeed } from './feed.js';

describe('repeatedRowKeys', () => {
  it('finds the first key each row object repeats, by array index, and nothing else', () => {
    const text = JSON.stringify([{ a: 1 }, 'x', { b: 2 }])
      .replace('{"b":2}', '{"b":2, "c": {"b": 3, "b": 4}, "b" : 5, "d": "\\"b\\": 6"}')
      .replace('{"a":1}', '{"a":1,"a":1,"e":[{"a":2}]}');
    expect([...repeatedRowKeys(text)]).toEqual([
      [0, 'a'],
      [2, 'b'],
    ]);
    expect(repeatedRowKeys('[{"x": "a,b", "y": "}"}, {"x": 1}]').size).toBe(0);
  });
});

describe('a JSON feed row that gives a key twice', () => {
  it('is rejected naming the key, where JSON.parse would keep the last value', () => {
    const row = (bid: string) =>
      `{"source": "govdeals", "lot_id": "J1", "year": 2019, "make": "Ford", "model": "F-150", "current_bid": 1175.5, ${bid}"auction_end": "2026-12-20T18:00:00Z", "state": "TX"}`;
    const r = parseListingFeed(`[${row('"current_bid": 99999, ')}, ${row('').replace('J1', 'J2')}]`, 'json', {
      now: new Date('2026-12-05T00:00:00Z'),
    });
    expect(r.rejected.map((x) => [x.row, x.reason])).toEqual([
      [1, 'key "current_bid" appears twice in the object: one of its values would be dropped'],
    ]);
    expect(r.accepted.map((a) => a.listing.lotId)).toEqual(['J2']);
  });
});
