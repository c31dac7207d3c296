// The US ZIP table behind `geo.ts`: the `zipcodes` package's offline table (about 42,500 ZIPs with
// their coordinates) as typed arrays.
//
// The package ships it as one 5 MB object literal. Requiring it cost the process ~75 MB of RSS
// for good (V8's parser memory is never handed back) and 1–2 s, so the file is read as text and
// scanned once into typed arrays (~1 MB). That scan still took 80–200 ms, paid by every process
// that prices a listing or checks the dealer's ZIP (every CLI command and every serving
// process, at start-up). The scanned table is therefore kept beside it in a binary file of its
// own, named by the package's version and this layout's, and later processes read that (about 10
// ms). The file is a cache: one that is missing, short, or of another layout is written
// again from the package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomically } from './atomic-file.js';
import { packageRoot } from './paths.js';

export interface ZipTable {
  /** ZIPs as numbers, ascending (binary search). */
  zips: Int32Array;
  lat: Float64Array;
  lon: Float64Array;
  /** Two-letter state code, the two char codes packed. */
  state: Uint16Array;
}

// One entry of the package's table, in the order its generator writes the fields.
const ENTRY =
  /"zip":"(\d{5})","latitude":(-?[\d.eE+-]+),"longitude":(-?[\d.eE+-]+),"city":"(?:[^"\\]|\\.)*","state":"([A-Z]{2})","country":"US"/g;

/** Parses the package's codes file into the compact table. */
export function parseZipTable(text: string): ZipTable {
  const zips: number[] = [];
  const lat: number[] = [];
  const lon: number[] = [];
  const state: number[] = [];
  for (const m of text.matchAll(ENTRY)) {
    zips.push(Number(m[1]));
    lat.push(Number(m[2]));
    lon.push(Number(m[3]));
    const s = m[4] as string;
    state.push((s.charCodeAt(0) << 8) | s.charCodeAt(1));
  }
  if (zips.length < 40_000) throw new Error(`zipcodes table: expected about 42,000 ZIPs, read ${zips.length} (package format changed?)`);
  const order = zips.map((_z, i) => i).sort((a, b) => (zips[a] as number) - (zips[b] as number));
  return {
    zips: Int32Array.from(order, (i) => zips[i] as number),
    lat: Float64Array.from(order, (i) => lat[i] as number),
    lon: Float64Array.from(order, (i) => lon[i] as number),
    state: Uint16Array.from(order, (i) => state[i] as number),
  };
}

// Layout: magic, count, then lat, lon (8-byte aligned), zips, state. A change of layout changes
// the magic, so a file of the old one is rewritten, not misread.
const MAGIC = 0x315a5344; // "DSZ1"
const HEADER_BYTES = 8;

function fileBytes(count: number): number {
  return HEADER_BYTES + count * (8 + 8 + 4 + 2);
}

/** The table as the binary file holds it. */
export function encodeZipTable(t: ZipTable): Buffer {
  const n = t.zips.length;
  const out = Buffer.alloc(fileBytes(n));
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(n, 4);
  let at = HEADER_BYTES;
  for (const part of [t.lat, t.lon, t.zips, t.state]) {
    const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** The table a binary file holds, or null when it is not one of this layout, whole. */
export function decodeZipTable(file: Uint8Array): ZipTable | null {
  if (file.length < HEADER_BYTES) return null;
  // A fresh buffer: typed-array views need their element size's alignment.
  const buf = new ArrayBuffer(file.length);
  new Uint8Array(buf).set(file);
  const head = new DataView(buf);
  if (head.getUint32(0, true) !== MAGIC) return null;
  const n = head.getUint32(4, true);
  if (n < 40_000 || file.length !== fileBytes(n)) return null;
  let at = HEADER_BYTES;
  const lat = new Float64Array(buf, at, n);
  at += 8 * n;
  const lon = new Float64Array(buf, at, n);
  at += 8 * n;
  const zips = new Int32Array(buf, at, n);
  at += 4 * n;
  const state = new Uint16Array(buf, at, n);
  return { zips, lat, lon, state };
}

export interface ZipTableSource {
  /** The package's codes file. */
  codesPath: string;
  /** The package's version, which names the binary file. */
  version: string;
}

export function zipcodesSource(): ZipTableSource {
  const require = createRequire(import.meta.url);
  const codesPath = require.resolve('zipcodes/lib/codes.js');
  const pkg = JSON.parse(readFileSync(join(dirname(codesPath), '..', 'package.json'), 'utf8')) as { version: string };
  return { codesPath, version: pkg.version };
}

/**
 * Where the binary table may live, in the order it is looked for: data/zip/ in the package (the
 * image writes it there at build), then the temp directory, for a package directory this process
 * cannot write (the container runs with a read-only /app).
 */
export function zipTableCachePaths(source: ZipTableSource, root = packageRoot()): string[] {
  const name = `zipcodes-${source.version}-${MAGIC.toString(16)}.bin`;
  return [join(root, 'data', 'zip', name), join(tmpdir(), 'dealerscope-zip', name)];
}

function readCached(path: string): ZipTable | null {
  try {
    return decodeZipTable(readFileSync(path));
  } catch {
    return null;
  }
}

/** Writes the table for the next process; false when this place cannot take it. */
function writeCached(path: string, table: ZipTable): boolean {
  try {
    writeFileAtomically(path, encodeZipTable(table));
    return true;
  } catch {
    return false;
  }
}

/**
 * The table from its binary file, or scanned from the package and written to the first place
 * that takes it, for the next process. A file that cannot be written anywhere leaves the scanned
 * table in use all the same.
 */
export function loadZipTable(source: ZipTableSource = zipcodesSource(), paths = zipTableCachePaths(source)): ZipTable {
  for (const path of paths) {
    const cached = readCached(path);
    if (cached) return cached;
  }
  const table = parseZipTable(readFileSync(source.codesPath, 'utf8'));
  paths.some((path) => writeCached(path, table));
  return table;
}
