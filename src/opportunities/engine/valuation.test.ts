import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/arbitrage.js';
import type { Comp, ListingInput, TitleStatus } from '../types.js';
import { appraiseValue, matchingComps, valueFromComps, valueFromModel } from './valuation.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));
const now = new Date('2025-06-01T00:00:00Z');

function listing(over: Partial<ListingInput> = {}): ListingInput {
  return {
    source: 'govdeals', lotId: '1', title: '2025 Ford F-150', year: 2025, make: 'Ford', model: 'F-150',
    trim: null, vin: '1FTFW1E50PFA00000', mileage: 10_000, currentBidCents: 1_000_000,
    auctionEndsAt: now, city: null, state: 'NV', zip: null, listingUrl: null, titleStatus: 'clean',
    description: null, buyerPremiumPct: null, docFeeCents: null, ...over,
  };
}
const sale = (make: string, model: string, year: number, priceCents: number, mileage: number | null = null): Comp => ({
  kind: 'sale', make, model, year, trim: null, mileage, priceCents, saleDate: now, state: null,
});

describe('depreciation model', () => {
  it('Tacoma 2020 @ 2025, 90,000 mi: 3,800,000 × 1.15 × 0.88^5 − (90,000 − 5 × 12,000) × 8¢', () => {
    // 3,800,000 × 1.15 = 4,370,000; 0.88^5 = 0.5277319168; 4,370,000 × 0.5277319168 = 2,306,188.476
    // excess 30,000 mi × 8¢ = 240,000 → 2,066,188.476 → $20,661.88
    expect(valueFromModel(listing({ make: 'Toyota', model: 'Tacoma', year: 2020, mileage: 90_000 }), now, params))
      .toEqual({ cents: 2_066_188, assumptions: [] });
  });

  it('old vehicles hit the floor: Impala 1995 → 2,800,000 × 0.88^30 ≈ 60,480 < floor $1,000.00', () => {
    expect(valueFromModel(listing({ make: 'Chevrolet', model: 'Impala', year: 1995 }), now, params).cents).toBe(100_000);
  });

  it('unknown model and make fall back to the default segment and brand, flagged', () => {
    // sedan 2,800,000 × 1.0 × 0.88^0, 10,000 mi ≤ 12,000 allowance → $28,000.00
    expect(valueFromModel(listing({ make: 'Zil', model: 'Limo' }), now, params)).toEqual({
      cents: 2_800_000,
      assumptions: ['valuation:unknown_segment', 'valuation:unknown_brand'],
    });
  });
});

describe('title multipliers (model-only F-150 2025: 4,600,000, low/high ∓15 % = 3,910,000 / 5,290,000)', () => {
  const cases: [TitleStatus, number, number, number][] = [
    ['clean', 4_600_000, 3_910_000, 5_290_000],
    ['rebuilt', 3_450_000, 2_932_500, 3_967_500], // × 0.75
    ['salvage', 2_760_000, 2_346_000, 3_174_000], // × 0.6
    ['flood', 2_300_000, 1_955_000, 2_645_000], // × 0.5
    ['lemon', 2_070_000, 1_759_500, 2_380_500], // × 0.45
    ['unknown', 3_910_000, 3_323_500, 4_496_500], // × 0.85 (documented choice)
  ];
  for (const [titleStatus, est, low, high] of cases) {
    it(`${titleStatus}`, () => {
      const v = appraiseValue(listing({ titleStatus }), [], params, now).valuation;
      expect(v).toEqual({ estimateCents: est, lowCents: low, highCents: high, method: 'model', sampleSize: 0 });
    });
  }
});

describe('comparables', () => {
  it('matches make/model case-insensitively and trimmed, model year ± 2 only', () => {
    const comps = [
      sale(' FORD ', ' explorer ', 2020, 1), // Δ2: in
      sale('Ford', 'Explorer', 2019, 2), // Δ3: out
      sale('Ford', 'Expedition', 2022, 3), // other model
      sale('Chevrolet', 'Explorer', 2022, 4), // other make
      sale('ford', 'EXPLORER', 2024, 5), // Δ2: in
    ];
    const got = matchingComps(listing({ make: 'Ford', model: 'Explorer', year: 2022 }), comps, params);
    expect(got.map((c) => (c.kind === 'sale' ? c.priceCents : 0))).toEqual([1, 5]);
  });

  it('adjusts a sale for year and mileage: 2,000,000 × (1 + 1 × 7 %) + (50,000 − 40,000) × 10¢ = 2,240,000', () => {
    const v = valueFromComps({ year: 2022, mileage: 40_000 }, [sale('Ford', 'Explorer', 2021, 2_000_000, 50_000)], params);
    expect(v).toEqual({ estimateCents: 2_240_000, lowCents: 2_240_000, highCents: 2_240_000, count: 1 });
  });

  it('weights market rows by sample size', () => {
    // sale 2,000,000 (weight 1) + market avg 2,600,000 / low 2,200,000 / high 3,000,000 (n = 3):
    // est  = (2,000,000 + 3 × 2,600,000) / 4 = 2,450,000
    // low  = (2,000,000 + 3 × 2,200,000) / 4 = 2,150,000   (one sale: its P10 is itself)
    // high = (2,000,000 + 3 × 3,000,000) / 4 = 2,750,000
    const market: Comp = {
      kind: 'market', make: 'Ford', model: 'Explorer', year: 2022, trim: null,
      avgCents: 2_600_000, lowCents: 2_200_000, highCents: 3_000_000, sampleSize: 3,
    };
    const v = valueFromComps({ year: 2022, mileage: null }, [sale('Ford', 'Explorer', 2022, 2_000_000, 99_999), market], params);
    expect(v).toEqual({ estimateCents: 2_450_000, lowCents: 2_150_000, highCents: 2_750_000, count: 4 });
  });

  it('10+ comps → method comps: mean and nearest-rank P10/P90', () => {
    // $20,000 … $29,000 in $1,000 steps: mean 2,450,000; P10 = 1st of 10 = 2,000,000; P90 = 9th = 2,800,000
    const comps = Array.from({ length: 10 }, (_, i) => sale('Ford', 'F-150', 2025, 2_000_000 + i * 100_000, 10_000));
    const r = appraiseValue(listing(), comps, params, now);
    expect(r.valuation).toEqual({
      estimateCents: 2_450_000, lowCents: 2_000_000, highCents: 2_800_000, method: 'comps', sampleSize: 10,
    });
    expect(r.assumptions).toEqual([]);
  });

  it('2 comps → blend with weight 2/10 = 0.2 toward the model', () => {
    // comps: 4,000,000 and 4,200,000 → mean 4,100,000, P10 4,000,000, P90 (2nd of 2) 4,200,000
    // model F-150 2025: 4,600,000, low 3,910,000, high 5,290,000
    // est  = 0.2 × 4,100,000 + 0.8 × 4,600,000 = 820,000 + 3,680,000 = 4,500,000
    // low  = 0.2 × 4,000,000 + 0.8 × 3,910,000 = 800,000 + 3,128,000 = 3,928,000
    // high = 0.2 × 4,200,000 + 0.8 × 5,290,000 = 840,000 + 4,232,000 = 5,072,000
    const comps = [sale('Ford', 'F-150', 2025, 4_000_000, 10_000), sale('Ford', 'F-150', 2025, 4_200_000, 10_000)];
    const r = appraiseValue(listing(), comps, params, now);
    expect(r.valuation).toEqual({
      estimateCents: 4_500_000, lowCents: 3_928_000, highCents: 5_072_000, method: 'blend', sampleSize: 2,
    });
    expect(r.disagreement).toBeCloseTo(500_000 / 4_600_000, 12);
    expect(r.assumptions).toEqual(['valuation:few_comps']);
  });

  it('no comps → model, flagged valuation:no_comps', () => {
    const r = appraiseValue(listing({ mileage: null }), [sale('Ford', 'Ranger', 2025, 1)], params, now);
    expect(r.valuation.method).toBe('model');
    expect(r.disagreement).toBeNull();
    expect(r.assumptions).toEqual(['valuation:no_comps', 'valuation:mileage_unknown']);
  });
});
