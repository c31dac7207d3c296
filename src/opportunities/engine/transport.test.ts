import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/arbitrage.js';
import { computeTransport, transportCost } from './transport.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));

describe('transport bands (whole distance at one band rate, minimum $350)', () => {
  it('≤ 500 mi at $2.20: 500 × 220¢ = $1,100.00', () => expect(transportCost(500, params)).toBe(110_000));
  it('501 mi falls in ≤ 1,000 at $1.90: 501 × 190 = $951.90', () => expect(transportCost(501, params)).toBe(95_190));
  it('1,000 × 190 = $1,900.00; 1,001 × 160 = $1,601.60', () => {
    expect(transportCost(1000, params)).toBe(190_000);
    expect(transportCost(1001, params)).toBe(160_160);
  });
  it('2,000 × 160 = $3,200.00; 2,001 × 140 = $2,801.40', () => {
    expect(transportCost(2000, params)).toBe(320_000);
    expect(transportCost(2001, params)).toBe(280_140);
  });
  it('minimum: 159 × 220 = $349.80 → $350.00; 160 × 220 = $352.00; 0 mi → $350.00', () => {
    expect(transportCost(159, params)).toBe(35_000);
    expect(transportCost(160, params)).toBe(35_200);
    expect(transportCost(0, params)).toBe(35_000);
  });
});

describe('transport miles', () => {
  it('CA dealer, no coordinates: state table (NV 300 mi × $2.20 = $660; NY 2,400 × $1.40 = $3,360)', () => {
    expect(computeTransport({ state: 'NV' }, params)).toEqual({
      miles: 300,
      cents: 66_000,
      assumptions: ['transport:state_table'],
    });
    expect(computeTransport({ state: 'NY' }, params)).toMatchObject({ miles: 2400, cents: 336_000 });
  });

  it('unknown state: 1,000 mi × $1.90 = $1,900, flagged', () => {
    expect(computeTransport({ state: 'PR' }, params)).toEqual({
      miles: 1000,
      cents: 190_000,
      assumptions: ['transport:unknown_state'],
    });
  });

  it('coordinates win: 5° due north of the LA dealer = 5 × 3958.8 × π/180 = 345.470 mi × 1.2 = 414.56 → 415 mi × $2.20 = $913.00', () => {
    const t = computeTransport({ state: 'CA', latitude: 39.0522, longitude: -118.2437 }, params);
    expect(t).toEqual({ miles: 415, cents: 91_300, assumptions: [] });
  });

  it('dealer outside CA: state centroid ↔ dealer coordinates × road factor', () => {
    // Dealer put 10° due south of the TX centroid (31.054487, −97.563461) so the distance is a
    // meridian arc: 10 × 69.09405 = 690.94 mi × 1.2 = 829.13 → 829 mi × $1.90 = $1,575.10.
    const p = structuredClone(params);
    p.dealer = { state: 'TX', latitude: 21.054487, longitude: -97.563461 };
    expect(computeTransport({ state: 'TX' }, p)).toEqual({
      miles: 829,
      cents: 157_510,
      assumptions: ['transport:state_centroid'],
    });
    // Dealer without coordinates sits on its own state's centroid: TX → TX is 0 mi → $350 minimum.
    p.dealer = { state: 'TX', latitude: null, longitude: null };
    expect(computeTransport({ state: 'TX' }, p)).toEqual({
      miles: 0,
      cents: 35_000,
      assumptions: ['transport:dealer_state_centroid', 'transport:state_centroid'],
    });
  });
});
