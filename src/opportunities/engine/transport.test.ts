import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/index.js';
import { computeTransport, configuredDealer, transportCost } from './transport.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));

describe('transport bands (whole distance at one band rate, minimum $350, never less than a shorter haul)', () => {
  it('≤ 500 mi at $2.20: 500 × 220¢ = $1,100.00', () => expect(transportCost(500, params)).toBe(110_000));
  it('501 mi at $1.90 would be $951.90: it costs what 500 mi costs, $1,100.00, until the rate catches up', () => {
    expect(transportCost(501, params)).toBe(110_000);
    expect(transportCost(579, params)).toBe(110_010); // 579 × 190
    expect(transportCost(600, params)).toBe(114_000);
  });
  it('1,000 × 190 = $1,900.00; 1,001 at $1.60 holds at $1,900.00; 1,200 × 160 = $1,920.00', () => {
    expect(transportCost(1000, params)).toBe(190_000);
    expect(transportCost(1001, params)).toBe(190_000);
    expect(transportCost(1200, params)).toBe(192_000);
  });
  it('2,000 × 160 = $3,200.00; 2,001 at $1.40 holds at $3,200.00; 2,500 × 140 = $3,500.00', () => {
    expect(transportCost(2000, params)).toBe(320_000);
    expect(transportCost(2001, params)).toBe(320_000);
    expect(transportCost(2500, params)).toBe(350_000);
  });
  it('never falls as the distance grows', () => {
    let last = 0;
    for (let miles = 0; miles <= 4000; miles++) {
      const cents = transportCost(miles, params);
      expect(cents).toBeGreaterThanOrEqual(last);
      last = cents;
    }
  });
  it('minimum: 159 × 220 = $349.80 → $350.00; 160 × 220 = $352.00; 0 mi → $350.00', () => {
    expect(transportCost(159, params)).toBe(35_000);
    expect(transportCost(160, params)).toBe(35_200);
    expect(transportCost(0, params)).toBe(35_000);
  });
});

describe('transport(listing location, dealer location)', () => {
  const dealer = configuredDealer(params); // ZIP 90012, Los Angeles: 34.0614, −118.2385 in the ZIP table
  const cost = (listing: Parameters<typeof computeTransport>[0], to = dealer) => computeTransport(listing, to, params);

  it('ZIP to ZIP: Boston 02108 (42.3576, −71.0684) → 90012 is 2,589.87 mi great-circle × 1.2 = 3,107.85 → 3,108 mi × $1.40 = $4,351.20', () => {
    expect(cost({ zip: '02108', state: 'MA' })).toEqual({ miles: 3108, cents: 435_120, assumptions: [] });
  });

  it('Sacramento 95814 (38.5804, −121.4922) → 90012: 360.91 mi × 1.2 = 433.09 → 433 mi × $2.20 = $952.60', () => {
    expect(cost({ zip: '95814', state: 'CA' })).toEqual({ miles: 433, cents: 95_260, assumptions: [] });
  });

  it('coordinates win over the ZIP: 5° due north of the dealer = 345.47 mi × 1.2 = 414.56 → 415 mi × $2.20 = $913.00', () => {
    expect(cost({ zip: '02108', state: 'CA', latitude: 39.0614, longitude: -118.2385 })).toEqual({
      miles: 415,
      cents: 91_300,
      assumptions: [],
    });
  });

  it('no ZIP: the state centroid (NV 38.313515, −117.055374 → 90012: 301.10 mi × 1.2 = 361.33 → 361 mi × $2.20 = $794.20), flagged', () => {
    expect(cost({ zip: null, state: 'NV' })).toEqual({ miles: 361, cents: 79_420, assumptions: ['transport:state_centroid'] });
  });

  it('a ZIP the table lacks falls back to its three-digit prefix centroid, flagged', () => {
    const t = cost({ zip: '02100', state: 'MA' }); // not in the table; its prefix 021 is Boston's
    expect(t.assumptions).toEqual(['transport:zip_prefix']);
    expect(Math.abs(t.miles - 3108)).toBeLessThan(40);
  });

  it('every state and DC has a centroid, so the fallback never falls through to the unknown distance', () => {
    const states =
      'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC'.split(
        ' ',
      );
    for (const state of states) expect(cost({ zip: null, state }).assumptions).toContain('transport:state_centroid');
    // Only a place the tables cannot put anywhere is charged the configured unknown distance.
    expect(cost({ zip: null, state: 'PR' })).toEqual({
      miles: 1000,
      cents: 190_000,
      assumptions: ['transport:offshore', 'transport:unknown_state'],
    });
  });

  it('the dealer is an argument: the same Boston listing shipped to a Dallas dealer (ZIP 75201)', () => {
    // 75201: 32.7904, −96.8044 → 02108: 1,548.49 mi × 1.2 = 1,858.19 → 1,858 mi × $1.60 = $2,972.80
    expect(cost({ zip: '02108', state: 'MA' }, { zip: '75201', state: 'TX' })).toEqual({ miles: 1858, cents: 297_280, assumptions: [] });
    // A dealer given only by state sits on its centroid, flagged.
    expect(cost({ zip: '02108', state: 'MA' }, { zip: null, state: 'TX' }).assumptions).toEqual(['transport:dealer_state_centroid']);
  });

  it('says when a route cannot be driven: Hawaii, Alaska and the territories', () => {
    expect(cost({ zip: '96813', state: 'HI' }).assumptions).toContain('transport:offshore');
    expect(cost({ zip: '00901', state: 'PR' }).assumptions).toContain('transport:offshore');
    expect(cost({ zip: '99501', state: 'AK' }).assumptions).toContain('transport:offshore');
    expect(cost({ zip: '02108', state: 'MA' }).assumptions).not.toContain('transport:offshore');
    expect(cost({ zip: '96815', state: 'HI' }, { zip: '96813', state: 'HI' }).assumptions).not.toContain('transport:offshore');
  });
});
