import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { zipLocation, zipPrefixCentroid } from './geo.js';

type Codes = Record<string, { zip: string; latitude: number; longitude: number; state: string; country: string }>;

describe('ZIP table', () => {
  // The package's index also holds Canadian postal codes; the service prices US ZIPs only.
  const codes = Object.fromEntries(
    Object.entries((createRequire(import.meta.url)('zipcodes') as { codes: Codes }).codes).filter(
      ([k, z]) => z.country === 'US' && /^\d{5}$/.test(k),
    ),
  );

  it('answers every ZIP of the zipcodes package with its coordinates and state', () => {
    const entries = Object.values(codes);
    expect(entries.length).toBeGreaterThan(40_000);
    for (const z of entries) {
      expect(zipLocation(z.zip), z.zip).toEqual({ lat: z.latitude, lon: z.longitude, state: z.state });
    }
  });

  it('knows no ZIP the package does not, and refuses malformed ones', () => {
    for (let n = 0; n < 100_000; n += 7) {
      const zip = String(n).padStart(5, '0');
      expect(zipLocation(zip) === null, zip).toBe(codes[zip] === undefined);
    }
    expect(zipLocation('9001')).toBeNull();
    expect(zipLocation('90012-1234')).toBeNull();
  });

  it('gives the mean position of the ZIPs sharing a three-digit prefix', () => {
    const in900 = Object.values(codes).filter((z) => z.zip.startsWith('900'));
    const lat = in900.reduce((a, z) => a + z.latitude, 0) / in900.length;
    const lon = in900.reduce((a, z) => a + z.longitude, 0) / in900.length;
    const c = zipPrefixCentroid('90099');
    expect(c?.lat).toBeCloseTo(lat, 9);
    expect(c?.lon).toBeCloseTo(lon, 9);
    expect(zipPrefixCentroid('00000')).toBeNull();
  });
});
