import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeZipTable, encodeZipTable, loadZipTable, parseZipTable, zipcodesSource, type ZipTable } from './zip-table.js';

const source = zipcodesSource();
const scanned = parseZipTable(readFileSync(source.codesPath, 'utf8'));

function expectSameTable(a: ZipTable, b: ZipTable): void {
  expect(Array.from(a.zips)).toEqual(Array.from(b.zips));
  expect(Array.from(a.lat)).toEqual(Array.from(b.lat));
  expect(Array.from(a.lon)).toEqual(Array.from(b.lon));
  expect(Array.from(a.state)).toEqual(Array.from(b.state));
}

describe('ZIP table binary copy', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ds-zip-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back exactly the table scanned from the package', () => {
    expect(scanned.zips.length).toBeGreaterThan(40_000);
    const decoded = decodeZipTable(encodeZipTable(scanned));
    expect(decoded).not.toBeNull();
    expectSameTable(decoded!, scanned);
  });

  it('refuses a file that is short, of another layout, or cut off', () => {
    const bytes = encodeZipTable(scanned);
    expect(decodeZipTable(bytes.subarray(0, 4))).toBeNull();
    expect(decodeZipTable(bytes.subarray(0, bytes.length - 2))).toBeNull();
    const otherLayout = Buffer.from(bytes);
    otherLayout.writeUInt32LE(0x325a5344, 0);
    expect(decodeZipTable(otherLayout)).toBeNull();
  });

  it('writes the copy on first use and later loads it without the package file', () => {
    const path = join(dir, 'zip', 'table.bin');
    expectSameTable(loadZipTable(source, [path]), scanned);
    expect(statSync(path).size).toBe(encodeZipTable(scanned).length);
    // The package's file is not read again: a source whose file is gone still loads.
    const gone = { codesPath: join(dir, 'no-such-codes.js'), version: source.version };
    expectSameTable(loadZipTable(gone, [path]), scanned);
  });

  it('writes again over a damaged copy', () => {
    const path = join(dir, 'table.bin');
    writeFileSync(path, Buffer.from('not a table'));
    expectSameTable(loadZipTable(source, [path]), scanned);
    expectSameTable(decodeZipTable(readFileSync(path))!, scanned);
  });

  it('falls back to the next place when the first cannot be written, and still answers when none can', () => {
    // A regular file where the first directory would be: nothing can be written under it.
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, '');
    const fallback = join(dir, 'fallback', 'table.bin');
    expectSameTable(loadZipTable(source, [join(blocked, 'table.bin'), fallback]), scanned);
    expectSameTable(decodeZipTable(readFileSync(fallback))!, scanned);
    expectSameTable(loadZipTable(source, [join(blocked, 'other.bin')]), scanned);
  });
});
