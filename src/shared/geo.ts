// Where a ZIP code is: the `zipcodes` package's offline US table (about 42,000 ZIPs with their
// coordinates), loaded on first use so processes that never price a listing do not carry its
// ~10 MB. A ZIP missing from the table (new or PO-box-only ones) falls back to the centroid of
// its three-digit prefix, which the same table gives.
import { createRequire } from 'node:module';

export interface GeoPoint {
  lat: number;
  lon: number;
}

type ZipTable = Record<string, { zip: string; latitude: number; longitude: number; state: string; country: string }>;

let table: ZipTable | null = null;
let prefixCentroids: Map<string, GeoPoint> | null = null;

function zipTable(): ZipTable {
  if (!table) table = (createRequire(import.meta.url)('zipcodes') as { codes: ZipTable }).codes;
  return table;
}

/** Coordinates and state of a five-digit US ZIP, or null when the table does not know it. */
export function zipLocation(zip: string): (GeoPoint & { state: string }) | null {
  if (!/^\d{5}$/.test(zip)) return null;
  const z = zipTable()[zip];
  return z && z.country === 'US' ? { lat: z.latitude, lon: z.longitude, state: z.state } : null;
}

/** Mean position of the known ZIPs sharing the first three digits (a USPS sectional centre). */
export function zipPrefixCentroid(zip: string): GeoPoint | null {
  if (!/^\d{3}/.test(zip)) return null;
  if (!prefixCentroids) {
    const sums = new Map<string, { lat: number; lon: number; n: number }>();
    for (const z of Object.values(zipTable())) {
      if (z.country !== 'US' || !/^\d{5}$/.test(z.zip)) continue;
      const p = z.zip.slice(0, 3);
      const s = sums.get(p) ?? { lat: 0, lon: 0, n: 0 };
      s.lat += z.latitude;
      s.lon += z.longitude;
      s.n++;
      sums.set(p, s);
    }
    prefixCentroids = new Map([...sums].map(([p, s]) => [p, { lat: s.lat / s.n, lon: s.lon / s.n }]));
  }
  return prefixCentroids.get(zip.slice(0, 3)) ?? null;
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
  ('AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ ' +
    'NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP').split(' '),
);
