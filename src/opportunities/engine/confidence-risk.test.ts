import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/index.js';
import { computeConfidence } from './confidence.js';
import { computeRisk } from './risk.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));

describe('confidence', () => {
  it('late-model clean documented vehicle with 10 agreeing comps: 20 + min(50, 5 × 10) + 15 = 85 (> 70)', () => {
    expect(computeConfidence({ compCount: 10, disagreement: 0, age: 1, mileage: 20_000, hasVin: true, titleStatus: 'clean' }, params)).toBe(
      85,
    );
  });

  it('4 comps 15 % off the model, 7 yr old, no mileage, rebuilt: 20 + 20 + 7.5 − 3 − 10 − 5 = 29.5 → 30', () => {
    // agreement 15 × (1 − 15/30) = 7.5; age penalty (7 − 5) × 1.5 = 3
    expect(
      computeConfidence({ compCount: 4, disagreement: 0.15, age: 7, mileage: null, hasVin: true, titleStatus: 'rebuilt' }, params),
    ).toBe(30);
  });

  it('disagreement ≥ 30 % earns no agreement points: 20 + 50 + 0 = 70', () => {
    expect(
      computeConfidence({ compCount: 12, disagreement: 0.4, age: 0, mileage: 5_000, hasVin: true, titleStatus: 'clean' }, params),
    ).toBe(70);
  });

  it('no comps, old, high-mileage, no VIN, salvage: 20 − 7.5 − 5 − 10 − 15 = −17.5 → clamped to 0', () => {
    expect(
      computeConfidence({ compCount: 0, disagreement: null, age: 10, mileage: 150_000, hasVin: false, titleStatus: 'salvage' }, params),
    ).toBe(0);
  });
});

describe('risk = Σ components / Σ maxima (50+40+30+30+35 = 185) × 100', () => {
  it('3 yr, 45,000 mi, ±10 % spread, 20 comps, clean: (9 + 9 + 10 + 26 + 0) / 185 = 29.19 % → 29', () => {
    // volatility (2,200,000 − 1,800,000) / 2,000,000 × 50 = 10; thin 30 − 20/5 = 26
    const r = computeRisk(
      { age: 3, mileage: 45_000, estimateCents: 2_000_000, lowCents: 1_800_000, highCents: 2_200_000, compCount: 20, titleStatus: 'clean' },
      params,
    );
    expect(r.components).toEqual({ age: 9, mileage: 9, volatility: 10, thinData: 26, title: 0 });
    expect(r.score).toBe(29);
  });

  it('every component capped, no comps, salvage: (50 + 40 + 15 + 25 + 35) / 185 = 89.19 % → 89', () => {
    // age min(50, 60); mileage min(40, 50); volatility 300,000 / 1,000,000 × 50 = 15; no comps 25
    const r = computeRisk(
      {
        age: 20,
        mileage: 250_000,
        estimateCents: 1_000_000,
        lowCents: 850_000,
        highCents: 1_150_000,
        compCount: 0,
        titleStatus: 'salvage',
      },
      params,
    );
    expect(r.components).toEqual({ age: 50, mileage: 40, volatility: 15, thinData: 25, title: 35 });
    expect(r.score).toBe(89);
  });

  it('unknown mileage assumed 12,000 × age; flood counts as "other" 20: (6 + 4.8 + 0 + 28 + 20) / 185 = 31.78 % → 32', () => {
    const r = computeRisk(
      { age: 2, mileage: null, estimateCents: 1_000_000, lowCents: 1_000_000, highCents: 1_000_000, compCount: 10, titleStatus: 'flood' },
      params,
    );
    expect(r.components).toEqual({ age: 6, mileage: 4.8, volatility: 0, thinData: 28, title: 20 });
    expect(r.score).toBe(32);
    expect(r.assumptions).toEqual(['risk:mileage_assumed']);
  });
});
