import { describe, expect, it } from 'vitest';
import { CursorCodec, CursorError, queryFingerprint } from './cursor.js';

describe('query fingerprint', () => {
  it('ignores filter order and filters present as undefined, as the cache key does', () => {
    const a = queryFingerprint('profit', { makeKey: 'ford', state: 'TX' });
    expect(queryFingerprint('profit', { state: 'TX', makeKey: 'ford' })).toBe(a);
    expect(queryFingerprint('profit', { state: 'TX', makeKey: 'ford', modelKey: undefined })).toBe(a);
    expect(queryFingerprint('roi', { makeKey: 'ford', state: 'TX' })).not.toBe(a);
    expect(queryFingerprint('profit', { makeKey: 'ford' })).not.toBe(a);
  });

  it('binds a cursor to its query', () => {
    const codec = new CursorCodec('a-test-secret-0123456789');
    const fp = queryFingerprint('profit', { makeKey: 'ford' });
    const cursor = codec.encode(fp, { key: 1234.5, id: 42 });
    expect(codec.decode(cursor, queryFingerprint('profit', { makeKey: 'ford', state: undefined }))).toEqual({
      key: 1234.5,
      id: 42,
      tier: 0,
    });
    // The rank tier travels with the position: a page in the flagged tier continues there.
    expect(codec.decode(codec.encode(fp, { key: 7, id: 9, tier: 1 }), fp)).toEqual({ key: 7, id: 9, tier: 1 });
    expect(() => codec.decode(cursor, queryFingerprint('profit', { makeKey: 'dodge' }))).toThrow(CursorError);
  });
});
