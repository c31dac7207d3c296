import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/index.js';
import type { Comp, ListingInput } from '../types.js';
import { appraise } from './index.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));
const now = new Date('2025-06-01T00:00:00Z');

function listing(over: Partial<ListingInput> = {}): ListingInput {
  return {
    source: 'govdeals',
    lotId: 'A1',
    title: '2024 Ford Explorer XLT',
    year: 2024,
    make: 'Ford',
    model: 'Explorer',
    trim: 'XLT',
    vin: '1FMSK8DH0RGA00000',
    mileage: 20_000,
    currentBidCents: 1_500_000,
    auctionEndsAt: now,
    city: 'Reno',
    state: 'NV',
    zip: null,
    listingUrl: null,
    titleStatus: 'clean',
    description: 'One owner, runs great',
    buyerPremiumPct: null,
    docFeeCents: null,
    ...over,
  };
}
// Ten 2024 Explorer sales at 20,000 mi (no adjustment): $33,500 … $34,400 in $100 steps.
const comps: Comp[] = Array.from({ length: 10 }, (_, i) => ({
  kind: 'sale',
  make: 'Ford',
  model: 'Explorer',
  year: 2024,
  trim: null,
  mileage: 20_000,
  priceCents: 3_350_000 + i * 10_000,
  saleDate: now,
  state: 'CA',
}));

describe('appraise', () => {
  it('a well-documented late-model clean vehicle with agreeing comps is hot', () => {
    // costs: bid 1,500,000; premium 12.5 % = 187,500; doc 7,500; recon 65,000
    //   transport: no ZIP → NV centroid (38.313515, −117.055374) → dealer ZIP 90012 (34.0614, −118.2385)
    //   301.10 mi × 1.2 = 361.33 → 361 mi × 220 = 79,420; total = 1,839,420
    // comps: same year and mileage, so no adjustment and equal weights: the geometric mean of
    //   $33,500 … $34,400 = 3,394,878.49 → 3,394,878; P10 = 3,350,000; P90 (9th) = 3,430,000; 10 → comps
    // model: midsize_suv 4,000,000 × 0.88 × 0.975^(8,000 / 10,000) = 3,449,422
    // profit = 3,394,878 − 1,839,420 = 1,555,458
    // ROI = 84.5624 % → 8456 bp; margin = 45.8178 % → 4582 bp
    // confidence: disagreement 54,544 / 3,449,422 = 0.0158125; 15 × (1 − 1.58125/30) = 14.2094
    //   20 + 50 + 14.2094 = 84.21 → 84
    // risk: age 3 + mileage 4 + volatility 80,000 / 3,394,878 × 50 = 1.1782 + thin 28 + 0 = 36.18 / 185 = 19.56 % → 20
    // score: 40 + 30 + 84/5 − 20/2 = 76.8 → 77
    const a = appraise(listing(), comps, params, { now });
    expect(a).toMatchObject({
      costs: {
        bidCents: 1_500_000,
        buyerPremiumCents: 187_500,
        docFeeCents: 7_500,
        transportCents: 79_420,
        reconCents: 65_000,
        totalCents: 1_839_420,
      },
      valuation: { estimateCents: 3_394_878, lowCents: 3_350_000, highCents: 3_430_000, method: 'comps', sampleSize: 10 },
      profitCents: 1_555_458,
      roiBp: 8456,
      marginBp: 4582,
      confidence: 84,
      riskScore: 20,
      score: 77,
      status: 'hot',
      assumptions: ['transport:state_centroid'],
      transportMiles: 361,
    });
    expect(a.valuation.comparables).toHaveLength(10);
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
    // bid ceiling ($2,000 and 15 %): profit binds, landed ≤ 1,114,004 − 200,000 = 914,004 (ROI allows 968,698);
    //   bid × 1.125 = 914,004 − 7,500 − 190,000 − 95,000 = 621,504 → bid 552,448 (premium 69,056)
    const a = appraise(
      listing({
        source: 'municibid',
        title: '2015 Ford Crown Victoria Police Interceptor',
        year: 2015,
        model: 'Crown Victoria',
        trim: null,
        vin: null,
        mileage: 120_000,
        currentBidCents: 100_000,
        state: 'PR',
        description: null,
      }),
      comps,
      params,
      { now },
    );
    expect(a).toEqual({
      costs: {
        bidCents: 100_000,
        buyerPremiumCents: 12_500,
        docFeeCents: 7_500,
        transportCents: 190_000,
        reconCents: 95_000,
        totalCents: 405_000,
      },
      valuation: { estimateCents: 1_114_004, lowCents: 946_903, highCents: 1_281_105, method: 'model', sampleSize: 0, comparables: [] },
      profitCents: 709_004,
      roiBp: 17506,
      marginBp: 6364,
      confidence: 1,
      riskScore: 51,
      score: 33,
      status: 'moderate',
      assumptions: ['fees:unknown_source', 'transport:offshore', 'transport:unknown_state', 'recon:fleet_surcharge', 'valuation:no_comps'],
      transportMiles: 1000,
      bidCeilingCents: 552_448,
    });
  });

  it('a stated premium and doc fee win, coordinates set the distance, and transport is never taken off the price', () => {
    // premium 5 % of 1,500,000 = 75,000 (not 12.5 %); doc stated 2,000 (not 7,500)
    // 5° due north of the dealer's ZIP: 345.47 mi × 1.2 = 414.56 → 415 mi × 220 = 91,300; recon 65,000
    //   total = 1,500,000 + 75,000 + 2,000 + 91,300 + 65,000 = 1,733,300
    // estimate is still the comps' 3,394,878 — transport appears once, in costs
    // profit = 3,394,878 − 1,733,300 = 1,661,578
    const a = appraise(
      listing({ buyerPremiumPct: 5, docFeeCents: 2_000, state: 'CA', latitude: 39.0614, longitude: -118.2385 }),
      comps,
      params,
      { now },
    );
    expect(a.costs).toEqual({
      bidCents: 1_500_000,
      buyerPremiumCents: 75_000,
      docFeeCents: 2_000,
      transportCents: 91_300,
      reconCents: 65_000,
      totalCents: 1_733_300,
    });
    expect(a.valuation.estimateCents).toBe(3_394_878);
    expect(a.profitCents).toBe(1_661_578);
    expect(a.transportMiles).toBe(415);
    expect(a.assumptions).toEqual([]);
  });

  it('a salvage title multiplies the comps value and lowers confidence', () => {
    // estimate 3,394,878 × 0.6 = 2,036,926.8 → 2,036,927; low 3,350,000 × 0.6 = 2,010,000; high 3,430,000 × 0.6 = 2,058,000
    // profit = 2,036,927 − 1,839,420 = 197,507; confidence 84.2094 − 15 = 69.21 → 69
    const a = appraise(listing({ titleStatus: 'salvage' }), comps, params, { now });
    expect(a.valuation).toMatchObject({ estimateCents: 2_036_927, lowCents: 2_010_000, highCents: 2_058_000 });
    expect(a.profitCents).toBe(197_507);
    expect(a.confidence).toBe(69);
    expect(a.status).toBe('moderate');
  });

  it('the dealer is a parameter: the same listing shipped to a Dallas dealer pays Dallas transport', () => {
    // NV centroid → 75201 (32.7904, −96.8044): 1,197.68 mi × 1.2 = 1,437.21 → 1,437 mi × 160 = 229,920
    const a = appraise(listing(), comps, params, { now, dealer: { zip: '75201', state: 'TX' } });
    expect(a.transportMiles).toBe(1437);
    expect(a.costs.transportCents).toBe(229_920);
  });

  it('is deterministic: same inputs, same output', () => {
    expect(appraise(listing(), comps, params, { now })).toEqual(appraise(listing(), comps, params, { now }));
  });

  it('does not believe an odometer at zero on a vehicle two or more model years old', () => {
    const opts = { now };
    const older = { year: 2021, title: '2021 Ford Explorer XLT' };
    const zero = appraise(listing({ ...older, mileage: 0 }), comps, params, opts);
    const unknown = appraise(listing({ ...older, mileage: null }), comps, params, opts);
    expect(zero.assumptions).toContain('valuation:odometer_implausible');
    expect(zero.valuation).toEqual(unknown.valuation);
    expect(zero.confidence).toBe(unknown.confidence);
    // A new vehicle's few miles are believed.
    const fresh = appraise(listing({ year: 2025, mileage: 12 }), comps, params, opts);
    expect(fresh.assumptions).not.toContain('valuation:odometer_implausible');
  });
});
