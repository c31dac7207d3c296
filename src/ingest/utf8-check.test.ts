// The feed encoding check: every byte sequence UTF-8 forbids is found where it is, a character cut
// by a chunk's end is not mistaken for one, and a real U+FFFD in the text is not either.
import { describe, expect, it } from 'vitest';
import { scanUtf8, utf8Problem, Utf8Stream } from './utf8-check.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('scanUtf8', () => {
  it('reads every width of character, and U+FFFD itself', () => {
    const text = Buffer.from('aé€😀\uFFFDz', 'utf8');
    expect(scanUtf8(text)).toEqual({ invalidAt: -1, incompleteFrom: text.length });
  });
  it.each([
    ['a stray continuation byte', bytes(0x61, 0x80), 1],
    ['a Latin-1 é', bytes(0x4d, 0x6f, 0x6e, 0x74, 0x72, 0xe9, 0x61, 0x6c), 5],
    ['an overlong NUL', bytes(0x61, 0xc0, 0x80), 1],
    ['an overlong three-byte form', bytes(0xe0, 0x80, 0xaf), 0],
    ['a UTF-16 surrogate', bytes(0x61, 0x62, 0xed, 0xa0, 0x80), 2],
    ['a code point past U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a lead byte followed by ASCII', bytes(0xe2, 0x82, 0x41), 0],
  ])('finds %s', (_what, input, at) => {
    expect(scanUtf8(input).invalidAt).toBe(at);
  });
  it('tells a character cut off by the end from a bad one', () => {
    expect(scanUtf8(bytes(0x61, 0xe2, 0x82))).toEqual({ invalidAt: -1, incompleteFrom: 1 });
  });
});

describe('utf8Problem', () => {
  it('names the byte, its offset and its line', () => {
    expect(utf8Problem(Buffer.from('a,b\nc,d\nMontr\xe9al', 'latin1'))).toMatch(/byte 13 \(0xE9, line 3\)/);
    expect(utf8Problem(Buffer.from('a,b\nMontréal\n'))).toBeNull();
    expect(utf8Problem(bytes(0x61, 0xf0, 0x9f))).toMatch(/byte 1 \(0xF0, line 1\)/);
  });
  it('refuses UTF-16 without its byte-order mark: a NUL after every ASCII letter', () => {
    const utf16 = Buffer.from('source,lot_id\nGovDeals,A1\n', 'utf16le');
    expect(utf8Problem(utf16)).toMatch(/byte 1 \(0x00, line 1\) starts a run of NULs/);
    expect(new Utf8Stream().push(utf16)).toMatch(/as UTF-16 text has/);
    // A stray NUL in one cell is the row's business, not the file's.
    expect(utf8Problem(Buffer.from('source,lot_id\nGovDeals,A\u00001\n'))).toBeNull();
  });
});

describe('Utf8Stream', () => {
  const text = Buffer.from('lot,city\nA1,Montréal\nA2,Zürich 😀\nA3,\uFFFD ok\n');
  it('accepts a UTF-8 feed however it is cut into chunks', () => {
    for (let cut = 1; cut < text.length; cut++) {
      const s = new Utf8Stream();
      expect(s.push(text.subarray(0, cut))).toBeNull();
      expect(s.push(text.subarray(cut))).toBeNull();
      expect(s.end()).toBeNull();
    }
  });
  it('names the same byte and line wherever the chunks are cut', () => {
    const bad = Buffer.concat([text, Buffer.from('A4,Montr\xe9al\n', 'latin1')]);
    const at = text.length + 'A4,Montr'.length;
    for (let cut = 1; cut < bad.length; cut++) {
      const s = new Utf8Stream();
      const problem = s.push(bad.subarray(0, cut)) ?? s.push(bad.subarray(cut)) ?? s.end();
      expect(problem, `cut at ${cut}`).toContain(`byte ${at} (0xE9, line 5)`);
    }
  });
  it('refuses a feed that ends inside a character', () => {
    const s = new Utf8Stream();
    expect(s.push(bytes(0x61, 0x0a, 0xe2, 0x82))).toBeNull();
    expect(s.end()).toMatch(/byte 2 \(0xE2, line 2\)/);
  });
});
