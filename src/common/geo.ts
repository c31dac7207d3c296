// Where a ZIP code is: the `zipcodes` package's offline US table (zip-table.ts), loaded on first
// use. A ZIP missing from the table (new or PO-box-only ones) falls back to the centroid of its
// three-digit prefix, which the same table gives.
import { loadZipTable, type ZipTable } from './zip-table.js';

export interface GeoPoint {
  lat: number;
  lon: number;
}

let table: ZipTable | null = null;
let prefixCentroids: Map<number, GeoPoint> | null = null;

function zipTable(): ZipTable {
  table ??= loadZipTable();
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
