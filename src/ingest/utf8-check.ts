// Feeds must be UTF-8. Node's decoders turn a byte that is not into U+FFFD without a word, so a
// Latin-1 export ("Montréal" as 4D 6F 6E 74 72 E9 61 6C) was stored and published as "Montr�al".
// Buffer's isUtf8 (native) answers the common case; the scan below runs only when it says no, to
// find where, or to tell a character cut off at a chunk's end (the next chunk completes it) from
// a byte that can never be read.
import { isUtf8 } from 'node:buffer';

export interface Utf8Scan {
  /** Offset of the first byte that cannot be read, or -1. */
  invalidAt: number;
  /** Where a character cut off by the end begins (bytes.length when none is). */
  incompleteFrom: number;
}

/** Length of the sequence lead byte `b` starts, or 0 when `b` cannot start one. */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Bounds of the second byte after lead `b` (RFC 3629: no overlongs, surrogates or code points past U+10FFFF). */
function secondByteRange(b: number): [number, number] {
  if (b === 0xe0) return [0xa0, 0xbf];
  if (b === 0xed) return [0x80, 0x9f];
  if (b === 0xf0) return [0x90, 0xbf];
  if (b === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

export function scanUtf8(bytes: Uint8Array): Utf8Scan {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = sequenceLength(b);
    if (len === 0) return { invalidAt: i, incompleteFrom: n };
    for (let k = 1; k < len; k++) {
      if (i + k >= n) return { invalidAt: -1, incompleteFrom: i };
      const c = bytes[i + k]!;
      const [lo, hi] = k === 1 ? secondByteRange(b) : [0x80, 0xbf];
      if (c < lo || c > hi) return { invalidAt: i, incompleteFrom: n };
    }
    i += len;
  }
  return { invalidAt: -1, incompleteFrom: n };
}

function lineOf(bytes: Uint8Array, offset: number, linesBefore: number): number {
  let line = linesBefore + 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
  return line;
}

function problem(byte: number, offset: number, line: number): string {
  const hex = byte.toString(16).toUpperCase().padStart(2, '0');
  return `feed is not UTF-8 text: byte ${offset} (0x${hex}, line ${line}) cannot be read as UTF-8; save the file as UTF-8 (Latin-1 or Windows-1252 exports are not)`;
}

// NUL is valid UTF-8, but a UTF-16 file without its byte-order mark is ASCII letters with a NUL
// between each, and its header would still match once NULs were dropped: a feed whose first
// bytes are a quarter NULs or more is UTF-16, refused whole. A stray NUL in a cell is left to the
// row (an identifier with one is rejected, free text is cleaned and flagged).
const UTF16_SNIFF_BYTES = 4096;
function utf16Problem(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, UTF16_SNIFF_BYTES);
  let nuls = 0;
  for (let i = head.indexOf(0); i !== -1; i = head.indexOf(0, i + 1)) nuls++;
  if (nuls === 0 || nuls * 4 < head.length) return null;
  const first = head.indexOf(0);
  return `feed is not UTF-8 text: byte ${first} (0x00, line 1) starts a run of NULs between its letters, as UTF-16 text has; save the file as UTF-8`;
}

/** What is wrong with a whole feed's encoding, naming its first unreadable byte; null when it is UTF-8. */
export function utf8Problem(bytes: Uint8Array): string | null {
  const utf16 = utf16Problem(bytes);
  if (utf16) return utf16;
  if (isUtf8(bytes)) return null;
  const s = scanUtf8(bytes);
  const at = s.invalidAt >= 0 ? s.invalidAt : s.incompleteFrom;
  return problem(bytes[at]!, at, lineOf(bytes, at, 0));
}

/** The same check for a feed read in chunks, whose characters may be cut at a chunk's end. */
export class Utf8Stream {
  private held: Uint8Array = new Uint8Array(0);
  private offset = 0;
  private lines = 0;

  /** Checks the next chunk: what is wrong with it, or null. */
  push(chunk: Uint8Array): string | null {
    const bytes = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    if (this.offset === 0 && this.lines === 0) {
      const utf16 = utf16Problem(bytes);
      if (utf16) return utf16;
    }
    let keep = bytes.length;
    if (!isUtf8(bytes)) {
      const s = scanUtf8(bytes);
      if (s.invalidAt >= 0) return problem(bytes[s.invalidAt]!, this.offset + s.invalidAt, lineOf(bytes, s.invalidAt, this.lines));
      keep = s.incompleteFrom;
    }
    for (let i = bytes.indexOf(10); i !== -1 && i < keep; i = bytes.indexOf(10, i + 1)) this.lines++;
    this.offset += keep;
    this.held = bytes.subarray(keep);
    return null;
  }

  /** At the end of the feed: a character still cut off can never be completed. */
  end(): string | null {
    return this.held.length ? problem(this.held[0]!, this.offset, this.lines + 1) : null;
  }
}
