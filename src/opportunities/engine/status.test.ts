import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/index.js';
import { classifyStatus, computeScore, type StatusInput } from './status.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));

// A clear hot candidate: $5,000.01 profit on $10,000 cost (ROI 50.0001 %), confidence 71, risk 29.
const hot: StatusInput = { profitCents: 500_001, totalCostCents: 1_000_000, confidence: 71, riskScore: 29 };
const status = (over: Partial<StatusInput>, anomaly = false) => classifyStatus({ ...hot, ...over }, params, anomaly);

describe('hot boundaries (strict: profit > $5,000, ROI > 25 %, confidence > 70, risk < 30)', () => {
  it('$5,000.01 is hot; exactly $5,000.00 is not (falls to good)', () => {
    expect(status({})).toBe('hot');
    expect(status({ profitCents: 500_000 })).toBe('good');
  });
  it('ROI exactly 25 % ($6,000 / $24,000) is not hot; $6,000 / $23,999.90 = 25.0001 % is', () => {
    expect(status({ profitCents: 600_000, totalCostCents: 2_400_000 })).toBe('good');
    expect(status({ profitCents: 600_000, totalCostCents: 2_399_990 })).toBe('hot');
  });
  it('confidence 70 is not hot, 71 is', () => {
    expect(status({ confidence: 70 })).toBe('good');
    expect(status({ confidence: 71 })).toBe('hot');
  });
  it('risk 30 is not hot, 29 is', () => {
    expect(status({ riskScore: 30 })).toBe('good');
    expect(status({ riskScore: 29 })).toBe('hot');
  });
  it('an open anomaly turns a hot candidate into good, and a non-good one into moderate', () => {
    expect(status({}, true)).toBe('good');
    expect(status({ confidence: 40 }, true)).toBe('moderate');
  });
});

describe('good boundaries (strict: profit > $2,500, ROI > 15 %, confidence > 50, risk < 50)', () => {
  const good: Partial<StatusInput> = { profitCents: 300_000, totalCostCents: 1_000_000, confidence: 60, riskScore: 40 };
  it('$2,500.01 is good; exactly $2,500.00 is moderate', () => {
    expect(status({ ...good, profitCents: 250_001 })).toBe('good');
    expect(status({ ...good, profitCents: 250_000 })).toBe('moderate');
  });
  it('ROI exactly 15 % ($3,000 / $20,000) is moderate; $3,000 / $19,999.99 = 15.00001 % is good', () => {
    expect(status({ ...good, totalCostCents: 2_000_000 })).toBe('moderate');
    expect(status({ ...good, totalCostCents: 1_999_999 })).toBe('good');
  });
  it('confidence 50 is moderate, 51 good; risk 50 is moderate, 49 good', () => {
    expect(status({ ...good, confidence: 50 })).toBe('moderate');
    expect(status({ ...good, confidence: 51 })).toBe('good');
    expect(status({ ...good, riskScore: 50 })).toBe('moderate');
    expect(status({ ...good, riskScore: 49 })).toBe('good');
  });
});

describe('score = clamp(0, 100, min(40, profit$/250) + min(30, ROI%) + confidence/5 − risk/2)', () => {
  it('caps: $10,000 → 40, ROI 100 % → 30, confidence 85 → 17, risk 10 → −5: 82', () => {
    expect(computeScore({ profitCents: 1_000_000, totalCostCents: 1_000_000, confidence: 85, riskScore: 10 }, params)).toBe(82);
  });
  it('uncapped and rounded: $3,000 → 12, ROI 12.5 % → 12.5, 55 → 11, 40 → −20: 15.5 → 16', () => {
    expect(computeScore({ profitCents: 300_000, totalCostCents: 2_400_000, confidence: 55, riskScore: 40 }, params)).toBe(16);
  });
  it('clamps at 0: −$5,000 → −20, ROI −50 %, 10 → 2, 80 → −40: −108 → 0', () => {
    expect(computeScore({ profitCents: -500_000, totalCostCents: 1_000_000, confidence: 10, riskScore: 80 }, params)).toBe(0);
  });
  it('clamps at 100 when an operator raises the profit cap to 80: 80 + 30 + 20 − 0 = 130 → 100', () => {
    const p = structuredClone(params);
    p.score.profitPointsMax = 80;
    expect(computeScore({ profitCents: 5_000_000, totalCostCents: 1_000_000, confidence: 100, riskScore: 0 }, p)).toBe(100);
  });
});
