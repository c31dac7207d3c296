import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/arbitrage.js';
import { computeFees } from './fees.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));
const bid = (source: string, currentBidCents: number, over: { pct?: number; doc?: number } = {}) =>
  computeFees(
    { source, currentBidCents, buyerPremiumPct: over.pct ?? null, docFeeCents: over.doc ?? null },
    params,
  );

describe('fees by source', () => {
  it('govdeals: 12.5 % of $10,000.00 = $1,250.00, doc $75.00', () => {
    expect(bid('govdeals', 1_000_000)).toEqual({ buyerPremiumCents: 125_000, docFeeCents: 7_500, assumptions: [] });
  });

  it('publicsurplus: 10 % of $8,765.43 = 87,654.3¢ → $876.54, doc $50.00', () => {
    expect(bid('publicsurplus', 876_543)).toMatchObject({ buyerPremiumCents: 87_654, docFeeCents: 5_000 });
  });

  it('gsa: 8 % of $12,345.67 = 98,765.36¢ → $987.65, doc $100.00', () => {
    expect(bid('gsa', 1_234_567)).toMatchObject({ buyerPremiumCents: 98_765, docFeeCents: 10_000 });
  });

  it('copart: 9.5 % of $5,000.10 = 47,500.95¢ → $475.01, doc $89.00', () => {
    expect(bid('copart', 500_010)).toMatchObject({ buyerPremiumCents: 47_501, docFeeCents: 8_900 });
  });

  it('iaa: 8.5 % of $3,000.01 = 25,500.085¢ → $255.00, doc $95.00', () => {
    expect(bid('IAA', 300_001)).toMatchObject({ buyerPremiumCents: 25_500, docFeeCents: 9_500 });
  });

  it('rounds an exact half cent away from zero: 12.5 % of 4¢ = 0.5¢ → 1¢; of 12¢ = 1.5¢ → 2¢', () => {
    expect(bid('govdeals', 4).buyerPremiumCents).toBe(1);
    expect(bid('govdeals', 12).buyerPremiumCents).toBe(2);
  });

  it('a premium stated on the listing wins: 10 % of $10,000 = $1,000 (not GovDeals 12.5 %), doc from table', () => {
    expect(bid('govdeals', 1_000_000, { pct: 10 })).toEqual({
      buyerPremiumCents: 100_000,
      docFeeCents: 7_500,
      assumptions: [],
    });
  });

  it('a stated doc fee of $0 wins over the table (0 is a statement, not a gap)', () => {
    expect(bid('gsa', 1_000_000, { doc: 0 })).toMatchObject({ buyerPremiumCents: 80_000, docFeeCents: 0 });
  });

  it("unknown source uses GovDeals' row and says so: 12.5 % of $10,000 = $1,250, doc $75", () => {
    expect(bid('municibid', 1_000_000)).toEqual({
      buyerPremiumCents: 125_000,
      docFeeCents: 7_500,
      assumptions: ['fees:unknown_source'],
    });
  });
});
