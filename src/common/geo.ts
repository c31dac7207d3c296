// Where a ZIP code is: the `zipcodes` package's offline US table (about 42,500 ZIPs with their
// coordinates), loaded on first use. The package ships it as one 5 MB object literal; requiring
// it cost the process ~75 MB of RSS for good (V8's parser memory is never handed back) and took
// 1–2 s, and every serving process paid it at start-up because the dealer's ZIP is checked when
// the arbitrage config loads. Here the file is read as text and scanned once into typed arrays
// (~1 MB), which costs ~10 MB transiently. A ZIP missing from the table (new or PO-box-only ones)
// falls back to the centroid of its three-digit prefix, which the same table gives.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface GeoPoint {
  lat: number;
  lon: number;
}

interface ZipTable {
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

let table: ZipTable | null = null;
let prefixCentroids: Map<number, GeoPoint> | null = null;

/** Parses the package's codes file into the compact table; exported for the test that checks it against the package. */
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

function zipTable(): ZipTable {
  if (!table) {
    const file = createRequire(import.meta.url).resolve('zipcodes/lib/codes.js');
    table = parseZipTable(readFileSync(file, 'utf8'));
  }
  return table;
}

function indexOf(t: ZipTable, zip: number): number {
  let lo = 0;
  let hi = t.zips.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const z = t.zips[mid] as number;
    if (z === zip) return mid;
    if (z < zip) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Coordinates and state of a five-digit US ZIP, or null when the table does not know it. */
export function zipLocation(zip: string): (GeoPoint & { state: string }) | null {
  if (!/^\d{5}$/.test(zip)) return null;
  const t = zipTable();
  const i = indexOf(t, Number(zip));
  if (i < 0) return null;
  const s = t.state[i] as number;
  return { lat: t.lat[i] as number, lon: t.lon[i] as number, state: String.fromCharCode(s >> 8, s & 0xff) };
}

/** Mean position of the known ZIPs sharing the first three digits (a USPS sectional centre). */
export function zipPrefixCentroid(zip: string): GeoPoint | null {
  if (!/^\d{3}/.test(zip)) return null;
  if (!prefixCentroids) {
    const t = zipTable();
    const sums = new Map<number, { lat: number; lon: number; n: number }>();
    for (let i = 0; i < t.zips.length; i++) {
      const p = Math.floor((t.zips[i] as number) / 100);
      const s = sums.get(p) ?? { lat: 0, lon: 0, n: 0 };
      s.lat += t.lat[i] as number;
      s.lon += t.lon[i] as number;
      s.n++;
      sums.set(p, s);
    }
    prefixCentroids = new Map([...sums].map(([p, s]) => [p, { lat: s.lat / s.n, lon: s.lon / s.n }]));
  }
  return prefixCentroids.get(Number(zip.slice(0, 3))) ?? null;
}

const EARTH_RADIUS_MI = 3958.8;

export function greatCircleMiles(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_MI * Math.asin(Math.min(1, Math.sqrt(h)));
}

// States, DC and the inhabited territories: vehicles are titled in all of them.
export const US_STATE_CODES: ReadonlySet<string> = new Set(
  (
    'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ ' +
    'NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP'
  ).split(' '),
);
