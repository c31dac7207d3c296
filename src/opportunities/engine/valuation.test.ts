import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/index.js';
import type { Comp, ListingInput, TitleStatus } from '../types.js';
import { appraiseValue, familyComps, matchingComps, valueFromComps, valueFromModel } from './valuation.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));
const now = new Date('2025-06-01T00:00:00Z');

function listing(over: Partial<ListingInput> = {}): ListingInput {
  return {
    source: 'govdeals',
    lotId: '1',
    title: '2025 Ford F-150',
    year: 2025,
    make: 'Ford',
    model: 'F-150',
    trim: null,
    vin: '1FTFW1E50PFA00000',
    mileage: 10_000,
    currentBidCents: 1_000_000,
    auctionEndsAt: now,
    city: null,
    state: 'NV',
    zip: null,
    listingUrl: null,
    titleStatus: 'clean',
    description: null,
    buyerPremiumPct: null,
    docFeeCents: null,
    ...over,
  };
}
const sale = (make: string, model: string, year: number, priceCents: number, mileage: number | null = null): Comp => ({
  kind: 'sale',
  make,
  model,
  year,
  trim: null,
  mileage,
  priceCents,
  saleDate: now,
  state: null,
});

/** Ford market price rows for model years 2016–2018: `avgCents` ± `spreadCents`. */
const marketRows = (model: string, avgCents: number, spreadCents: number, sampleSize: number): Comp[] =>
  [2016, 2017, 2018].map((year) => ({
    kind: 'market',
    make: 'Ford',
    model,
    year,
    trim: null,
    avgCents,
    lowCents: avgCents - spreadCents,
    highCents: avgCents + spreadCents,
    sampleSize,
  }));

describe('depreciation model', () => {
  it('Tacoma 2020 @ 2025, 90,000 mi: 3,800,000 × 1.15 × 0.88^5 × 0.975^(excess / 10,000)', () => {
    // 3,800,000 × 1.15 = 4,370,000; 0.88^5 = 0.5277319168; 4,370,000 × 0.5277319168 = 2,306,188.476
    // excess 90,000 − 5 × 12,000 = 30,000 mi: 0.975^3 = 0.926859375 → 2,137,512.46 → $21,375.12
    expect(valueFromModel(listing({ make: 'Toyota', model: 'Tacoma', year: 2020, mileage: 90_000 }), now, params)).toEqual({
      cents: 2_137_512,
      assumptions: [],
    });
  });

  it('mileage takes a bounded share, never all of the value: 900,000 mi on the same Tacoma keeps 35 %', () => {
    // 0.975^84 = 0.119 < minMileageFactor 0.35 → 2,306,188.476 × 0.35 = 807,165.97 → floor 100,000 does not bind
    expect(valueFromModel(listing({ make: 'Toyota', model: 'Tacoma', year: 2020, mileage: 900_000 }), now, params).cents).toBe(807_166);
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
      expect(v).toEqual({ estimateCents: est, lowCents: low, highCents: high, method: 'model', sampleSize: 0, comparables: [] });
    });
  }
});

describe('comparables', () => {
  const withParams = (over: Partial<typeof params.valuation>) => ({ ...params, valuation: { ...params.valuation, ...over } });

  it('one model family whatever the seller calls it: Police Interceptor Utility ↔ Explorer, Dodge Ram 1500 ↔ Ram 1500', () => {
    /** The sale prices (each sale's id) of `comps` in the family of a `year` listing of `make` `model`. */
    const pricesIn = (comps: Comp[], make: string, model: string, year: number) =>
      familyComps(listing({ make, model, year }), comps, params).map((c) => (c.kind === 'sale' ? c.priceCents : 0));
    const comps = [
      sale('Ford', 'Explorer', 2018, 1),
      sale('FORD', 'Interceptor Utility', 2018, 2),
      sale('Ford', 'Explorer Police AWD', 2018, 3),
      sale('Ford', 'Expedition', 2018, 4),
      sale('Chevrolet', 'Tahoe PPV', 2018, 5),
    ];
    expect(pricesIn(comps, 'Ford', 'Police Interceptor Utility', 2018)).toEqual([1, 2, 3]);
    const rams = [sale('Ram', '1500', 2016, 6), sale('RAM', 'Ram 1500', 2016, 7), sale('Dodge', 'Ram 2500', 2016, 8)];
    expect(pricesIn(rams, 'Dodge', 'Ram 1500', 2016)).toEqual([6, 7]);
    // Trim, cab and body words, and "2500 HD" however it is spaced; a different vehicle stays apart.
    const trucks = [
      sale('Ford', 'F-150', 2018, 9),
      sale('Ford', 'F-150 XLT SuperCrew', 2018, 10),
      sale('Ford', 'F-150 Raptor', 2018, 11),
      sale('Chevrolet', 'Silverado 2500HD', 2018, 12),
      sale('Chevrolet', 'Silverado 1500', 2018, 13),
    ];
    const prices = (model: string, make = 'Ford') => pricesIn(trucks, make, model, 2018);
    expect(prices('F-150 XLT')).toEqual([9, 10]);
    expect(prices('F-150 Lariat Crew Cab 4x4')).toEqual([9, 10]);
    expect(prices('F-150 Raptor')).toEqual([11]);
    expect(prices('Silverado 2500 HD LT', 'Chevrolet')).toEqual([12]);
  });

  it('model year ± 2, widened a year at a time (up to ± 4) until there are enough comps', () => {
    const near = Array.from({ length: 6 }, (_, i) => sale('Ford', 'Explorer', 2020 + (i % 5) - 2, 10 + i));
    const far = [sale('Ford', 'Explorer', 2017, 1), sale('Ford', 'Explorer', 2024, 2), sale('Ford', 'Explorer', 2015, 3)];
    const l = listing({ make: 'Ford', model: 'Explorer', year: 2020 });
    expect(matchingComps(l, [...near, ...far], params)).toHaveLength(6);
    // Only two within ± 2: ± 3 adds 2017, ± 4 adds 2024, 2015 (± 5) never comes in.
    const got = matchingComps(l, [near[0]!, near[1]!, ...far], params)
      .map((c) => c.year)
      .sort();
    expect(got).toEqual([2017, 2018, 2019, 2024]);
  });

  it('adjusts a sale in proportion to its price: 2,000,000 × 1.10 (a year newer) ÷ 0.975 (10,000 mi fewer) = 2,256,410', () => {
    // One sale cannot tell a slope, so the priors apply: +10 % a model year, −2.5 % per 10,000 miles.
    const v = valueFromComps(
      listing({ make: 'Ford', model: 'Explorer', year: 2022, mileage: 40_000 }),
      [sale('Ford', 'Explorer', 2021, 2_000_000, 50_000)],
      params,
      now,
    );
    expect(v).toMatchObject({ estimateCents: 2_256_410, lowCents: 2_256_410, highCents: 2_256_410, count: 1 });
  });

  it('the mileage adjustment is bounded and never reaches zero: 400,000 mi against a 20,000-mi sale keeps 40 %', () => {
    // 0.975^38 = 0.382 < the 0.4 bound → 2,000,000 × 0.4 = 800,000 (the $0.10/mile rule gave −$36,000)
    const l = listing({ make: 'Ford', model: 'Explorer', year: 2020, mileage: 400_000 });
    expect(valueFromComps(l, [sale('Ford', 'Explorer', 2020, 2_000_000, 20_000)], params, now)?.estimateCents).toBe(800_000);
    // The floor: never below floorShareOfComps × the cohort's median sale (here raised to 50 % → 1,000,000).
    expect(
      valueFromComps(l, [sale('Ford', 'Explorer', 2020, 2_000_000, 20_000)], withParams({ floorShareOfComps: 0.5 }), now)?.estimateCents,
    ).toBe(1_000_000);
  });

  it('police units are their own cohort; a thin one borrows civilian sales × policeClassFactor', () => {
    const police = (p: number) => ({ ...sale('Dodge', 'Charger', 2018, p, 100_000), trim: 'Pursuit' });
    const civilian = Array.from({ length: 6 }, () => sale('Dodge', 'Charger', 2018, 2_000_000, 100_000));
    const l = listing({ make: 'Dodge', model: 'Charger Pursuit', year: 2018, mileage: 100_000 });
    // Four police sales are enough: the civilian ones are not used.
    expect(valueFromComps(l, [...Array.from({ length: 4 }, () => police(1_000_000)), ...civilian], params, now)?.estimateCents).toBe(
      1_000_000,
    );
    // Two are not: six civilians at 2,000,000 × 0.8 join them; equal weights → 1,000,000 × 1.6^(6/8) = 1,422,623.53
    expect(valueFromComps(l, [police(1_000_000), police(1_000_000), ...civilian], params, now)?.estimateCents).toBe(1_422_624);
  });

  it("learns the family's mileage slope from its sales, pulled toward the prior", () => {
    // Twelve sales that lose exactly 4 % per 10,000 miles (20,000 … 240,000 mi).
    const comps = Array.from({ length: 12 }, (_, i) =>
      sale('Ford', 'Explorer', 2020, Math.round(2_000_000 * 0.96 ** (2 * i)), 20_000 + 20_000 * i),
    );
    const v = valueFromComps(listing({ make: 'Ford', model: 'Explorer', year: 2020, mileage: 130_000 }), comps, params, now)!;
    // Ridge toward −2.5 %: (572 × ln 0.96 + 4 × 25 × ln 0.975) / 672 → −3.78 %
    expect(v.mileagePctPer10k).toBeGreaterThan(-4.1);
    expect(v.mileagePctPer10k).toBeLessThan(-3.5);
    // The sales sit symmetrically around the listing, so the estimate is the true 2,000,000 × 0.96^11 = 1,276,479 within 0.5 %.
    expect(Math.abs(v.estimateCents - 1_276_479) / 1_276_479).toBeLessThan(0.005);
  });

  it('drops an export typo (a price ×10) and names the sales it used', () => {
    const comps = [
      ...Array.from({ length: 8 }, (_, i) => ({ ...sale('Ford', 'F-150', 2025, 2_000_000, 10_000), id: i + 1 })),
      { ...sale('Ford', 'F-150', 2025, 20_000_000, 10_000), id: 99 },
    ];
    const v = valueFromComps(listing(), comps, params, now)!;
    expect(v.estimateCents).toBe(2_000_000);
    expect(v.comparables.map((c) => c.id).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(v.comparables[0]).toMatchObject({
      kind: 'sale',
      year: 2025,
      mileage: 10_000,
      priceCents: 2_000_000,
      saleDate: '2025-06-01',
      adjustedCents: 2_000_000,
      weight: 0.125,
    });
  });

  it('10+ comps → method comps; 2 comps → blend with weight 2/10 toward the model', () => {
    const ten = Array.from({ length: 10 }, () => sale('Ford', 'F-150', 2025, 4_000_000, 10_000));
    expect(appraiseValue(listing(), ten, params, now).valuation).toMatchObject({
      estimateCents: 4_000_000,
      method: 'comps',
      sampleSize: 10,
    });
    // comps 4,000,000; model F-150 2025: 4,600,000 → 0.2 × 4,000,000 + 0.8 × 4,600,000 = 4,480,000
    const r = appraiseValue(listing(), ten.slice(0, 2), params, now);
    expect(r.valuation).toMatchObject({ estimateCents: 4_480_000, method: 'blend', sampleSize: 2 });
    expect(r.assumptions).toEqual(['valuation:few_comps']);
  });

  it('no comps → model, flagged valuation:no_comps', () => {
    const r = appraiseValue(listing({ mileage: null }), [sale('Ford', 'Ranger', 2025, 1)], params, now);
    expect(r.valuation.method).toBe('model');
    expect(r.disagreement).toBeNull();
    expect(r.assumptions).toEqual(['valuation:no_comps', 'valuation:mileage_unknown']);
  });

  it('values a 340,000-mile fleet unit from the sales of its mileage regime, not the family slope or market rows', () => {
    // A police family as auctions see it: prices fall steeply over the first miles, hardly at all
    // past 250,000 (those units sell for $1,400–$1,700 whatever their odometer).
    const low = Array.from({ length: 30 }, (_, i) => {
      const miles = 40_000 + i * 3_500;
      return sale('Ford', 'Police Interceptor Utility', 2016 + (i % 3), Math.round(1_600_000 * 0.93 ** (miles / 10_000)), miles);
    });
    const high = Array.from({ length: 12 }, (_, i) =>
      sale('Ford', 'Police Interceptor Utility', 2016 + (i % 3), 140_000 + (i % 4) * 10_000, 260_000 + i * 10_000),
    );
    const market = marketRows('Police Interceptor Utility', 1_200_000, 300_000, 50);
    const unit = listing({ model: 'Police Interceptor Utility', year: 2017, mileage: 340_000 });
    const r = valueFromComps(unit, [...low, ...high, ...market], params, now);
    const highMedian = 150_000;
    expect(r!.estimateCents).toBeGreaterThan(highMedian * 0.8);
    expect(r!.estimateCents).toBeLessThan(highMedian * 1.25);
    // The same unit at 80,000 miles is still valued from the low-mileage sales.
    const young = valueFromComps({ ...unit, mileage: 80_000 }, [...low, ...high, ...market], params, now)!;
    expect(young.estimateCents).toBeGreaterThan(800_000);
  });

  it('a market row counts as fewer comparables the farther the odometer is from its usual mileage', () => {
    const rows = marketRows('F-150', 2_000_000, 300_000, 40);
    const usual = params.depreciation.annualMileageAllowance * (now.getUTCFullYear() - 2017);
    const typical = valueFromComps(listing({ year: 2017, mileage: usual }), rows, params, now)!;
    const worn = valueFromComps(listing({ year: 2017, mileage: usual + 250_000 }), rows, params, now)!;
    expect(typical.count).toBeGreaterThan(10);
    expect(worn.count).toBeLessThan(2);
  });
});
