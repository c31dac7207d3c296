import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/arbitrage.js';
import type { Comp, ListingInput } from '../types.js';
import { appraise } from './index.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));
const now = new Date('2025-06-01T00:00:00Z');

function listing(over: Partial<ListingInput> = {}): ListingInput {
  return {
    source: 'govdeals', lotId: 'A1', title: '2024 Ford Explorer XLT', year: 2024, make: 'Ford', model: 'Explorer',
    trim: 'XLT', vin: '1FMSK8DH0RGA00000', mileage: 20_000, currentBidCents: 1_500_000,
    auctionEndsAt: now, city: 'Reno', state: 'NV', zip: null, listingUrl: null, titleStatus: 'clean',
    description: 'One owner, runs great', buyerPremiumPct: null, docFeeCents: null, ...over,
  };
}
// Ten 2024 Explorer sales at 20,000 mi (no adjustment): $33,500 … $34,400 in $100 steps.
const comps: Comp[] = Array.from({ length: 10 }, (_, i) => ({
  kind: 'sale', make: 'Ford', model: 'Explorer', year: 2024, trim: null, mileage: 20_000,
  priceCents: 3_350_000 + i * 10_000, saleDate: now, state: 'CA',
}));

describe('appraise', () => {
  it('a well-documented late-model clean vehicle with agreeing comps is hot', () => {
    // costs: bid 1,500,000; premium 12.5 % = 187,500; doc 7,500; NV 300 mi × 220 = 66,000; recon 65,000
    //   total = 1,826,000
    // comps: mean (3,350,000 + 3,440,000) / 2 = 3,395,000; P10 = 3,350,000; P90 (9th) = 3,430,000; 10 → comps
    // model: midsize_suv 4,000,000 × 0.88 = 3,520,000 − (20,000 − 12,000) × 8 = 3,456,000
    // profit = 3,395,000 − 1,826,000 = 1,569,000
    // ROI = 1,569,000 / 1,826,000 = 85.9255 % → 8593 bp; margin = 1,569,000 / 3,395,000 = 46.2150 % → 4622 bp
    // confidence: disagreement 61,000 / 3,456,000 = 0.017650; 15 × (1 − 1.7650/30) = 14.1175
    //   20 + 50 + 14.1175 = 84.12 → 84
    // risk: age 3 + mileage 4 + volatility 80,000 / 3,395,000 × 50 = 1.1782 + thin 30 − 10/5 = 28 + 0
    //   = 36.1782 / 185 = 19.56 % → 20
    // score: min(40, 15,690 / 250 = 62.76) = 40 + min(30, 85.93) = 30 + 84/5 = 16.8 − 20/2 = 10 → 76.8 → 77
    const a = appraise(listing(), comps, params, { now });
    expect(a).toEqual({
      costs: {
        bidCents: 1_500_000, buyerPremiumCents: 187_500, docFeeCents: 7_500,
        transportCents: 66_000, reconCents: 65_000, totalCents: 1_826_000,
      },
      valuation: { estimateCents: 3_395_000, lowCents: 3_350_000, highCents: 3_430_000, method: 'comps', sampleSize: 10 },
      profitCents: 1_569_000,
      roiBp: 8593,
      marginBp: 4622,
      confidence: 84,
      riskScore: 20,
      score: 77,
      status: 'hot',
      assumptions: ['transport:state_table'],
      transportMiles: 300,
    });
  });

  it('the same listing with an open anomaly is good, not hot', () => {
    expect(appraise(listing(), comps, params, { now, hasOpenAnomaly: true }).status).toBe('good');
  });

  it('no comps, police unit, unknown source and state, no VIN', () => {
    // fees (GovDeals row assumed): 12.5 % of 100,000 = 12,500; doc 7,500
    // transport: unknown state 1,000 mi × 190 = 190,000; recon 65,000 + 30,000 (police) = 95,000
    //   total = 100,000 + 12,500 + 7,500 + 190,000 + 95,000 = 405,000
    // model: police_sedan 4,000,000 × 0.88^10 (0.278500976) = 1,114,003.904 → 1,114,004
    //   (120,000 mi ≤ 10 × 12,000: no excess); low × 0.85 = 946,903.4 → 946,903; high × 1.15 = 1,281,104.6 → 1,281,105
    // profit = 1,114,004 − 405,000 = 709,004; ROI 175.0627 % → 17506 bp; margin 63.6447 % → 6364 bp
    // confidence: 20 − (10 − 5) × 1.5 − (120,000 − 100,000) / 10,000 − 10 (no VIN) = 0.5 → 1 (half away)
    // risk: 30 + 24 + (334,202 / 1,114,004 × 50 = 15.00004) + 25 + 0 = 94.00004 / 185 = 50.81 % → 51
    // score: 7,090.04 / 250 = 28.36 + 30 + 0.2 − 25.5 = 33.06 → 33; status moderate (confidence)
    const a = appraise(
      listing({
        source: 'municibid', title: '2015 Ford Crown Victoria Police Interceptor', year: 2015,
        model: 'Crown Victoria', trim: null, vin: null, mileage: 120_000, currentBidCents: 100_000,
        state: 'PR', description: null,
      }),
      comps,
      params,
      { now },
    );
    expect(a).toEqual({
      costs: {
        bidCents: 100_000, buyerPremiumCents: 12_500, docFeeCents: 7_500,
        transportCents: 190_000, reconCents: 95_000, totalCents: 405_000,
      },
      valuation: { estimateCents: 1_114_004, lowCents: 946_903, highCents: 1_281_105, method: 'model', sampleSize: 0 },
      profitCents: 709_004,
      roiBp: 17506,
      marginBp: 6364,
      confidence: 1,
      riskScore: 51,
      score: 33,
      status: 'moderate',
      assumptions: ['fees:unknown_source', 'transport:unknown_state', 'recon:fleet_surcharge', 'valuation:no_comps'],
      transportMiles: 1000,
    });
  });

  it('a stated premium and doc fee win, coordinates set the distance, and transport is never taken off the price', () => {
    // premium 5 % of 1,500,000 = 75,000 (not 12.5 %); doc stated 2,000 (not 7,500)
    // 5° due north of the LA dealer: 415 mi × 220 = 91,300; recon 65,000
    //   total = 1,500,000 + 75,000 + 2,000 + 91,300 + 65,000 = 1,733,300
    // estimate is still the comps' 3,395,000 — transport appears once, in costs
    // profit = 3,395,000 − 1,733,300 = 1,661,700
    const a = appraise(
      listing({ buyerPremiumPct: 5, docFeeCents: 2_000, state: 'CA', latitude: 39.0522, longitude: -118.2437 }),
      comps,
      params,
      { now },
    );
    expect(a.costs).toEqual({
      bidCents: 1_500_000, buyerPremiumCents: 75_000, docFeeCents: 2_000,
      transportCents: 91_300, reconCents: 65_000, totalCents: 1_733_300,
    });
    expect(a.valuation.estimateCents).toBe(3_395_000);
    expect(a.profitCents).toBe(1_661_700);
    expect(a.transportMiles).toBe(415);
    expect(a.assumptions).toEqual([]);
  });

  it('a salvage title multiplies the comps value and lowers confidence', () => {
    // estimate 3,395,000 × 0.6 = 2,037,000; low 3,350,000 × 0.6 = 2,010,000; high 3,430,000 × 0.6 = 2,058,000
    // profit = 2,037,000 − 1,826,000 = 211,000; confidence 84.1175 − 15 = 69.12 → 69
    const a = appraise(listing({ titleStatus: 'salvage' }), comps, params, { now });
    expect(a.valuation).toMatchObject({ estimateCents: 2_037_000, lowCents: 2_010_000, highCents: 2_058_000 });
    expect(a.profitCents).toBe(211_000);
    expect(a.confidence).toBe(69);
    expect(a.status).toBe('moderate');
  });

  it('is deterministic: same inputs, same output', () => {
    expect(appraise(listing(), comps, params, { now })).toEqual(appraise(listing(), comps, params, { now }));
  });
});
