import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams, type ArbitrageParams, type PremiumRule } from '../../config/index.js';
import { bidCeilingCents } from './ceiling.js';
import { computeFees, premiumAtFor, premiumCents } from './fees.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));
const bid = (source: string, currentBidCents: number, over: { pct?: number; doc?: number } = {}) =>
  computeFees({ source, currentBidCents, buyerPremiumPct: over.pct ?? null, docFeeCents: over.doc ?? null }, params);

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

describe('premium rules: marginal tiers, minimum, cap', () => {
  // An operator's schedule: 15 % of the first $1,000, 10 % of the next $4,000, 5 % above $5,000;
  // at least $25, at most $1,500.
  const rule: PremiumRule = {
    tiers: [
      { upToCents: 100_000, pct: 15 },
      { upToCents: 500_000, pct: 10 },
      { upToCents: null, pct: 5 },
    ],
    minimumCents: 2_500,
    capCents: 150_000,
  };

  it('charges each tier on the part of the bid inside it', () => {
    expect(premiumCents(rule, 80_000)).toBe(12_000); // 15 % of $800 = $120
    expect(premiumCents(rule, 300_000)).toBe(35_000); // $150 + 10 % of $2,000 = $350
    expect(premiumCents(rule, 1_200_000)).toBe(90_000); // $150 + $400 + 5 % of $7,000 = $900
  });

  it('rounds the sum once, half away from zero: $1,000.03 → $150.003 → $150.00; $1,000.05 → $150.005 → $150.01', () => {
    expect(premiumCents(rule, 100_003)).toBe(15_000);
    expect(premiumCents(rule, 100_005)).toBe(15_001);
  });

  it('raises to the minimum and holds to the cap', () => {
    expect(premiumCents(rule, 10_000)).toBe(2_500); // 15 % of $100 = $15 → $25
    expect(premiumCents(rule, 0)).toBe(2_500);
    expect(premiumCents(rule, 4_000_000)).toBe(150_000); // $150 + $400 + 5 % of $35,000 = $2,300 → $1,500
  });

  it("publicsurplus' published $1 minimum: 10 % of $5.00 = 50¢ → $1.00; of $12.34 = $1.234 → $1.23", () => {
    expect(bid('publicsurplus', 500).buyerPremiumCents).toBe(100);
    expect(bid('publicsurplus', 1_234).buyerPremiumCents).toBe(123);
    expect(bid('govdeals', 500).buyerPremiumCents).toBe(63); // no minimum: 12.5 % of $5.00 = 62.5¢ → 63¢
  });

  const tieredCopart: ArbitrageParams = {
    ...params,
    fees: { ...params.fees, sources: { ...params.fees.sources, copart: { buyerPremium: rule, docFeeCents: 8_900 } } },
  };
  const copart = (currentBidCents: number, buyerPremiumPct: number | null = null) =>
    computeFees({ source: 'copart', currentBidCents, buyerPremiumPct, docFeeCents: null }, tieredCopart);

  it('a source configured with tiers prices landed cost with them; a stated percentage replaces the tiers, the cap still holds', () => {
    expect(copart(300_000)).toEqual({ buyerPremiumCents: 35_000, docFeeCents: 8_900, assumptions: [] });
    expect(copart(300_000, 8).buyerPremiumCents).toBe(24_000); // 8 % of $3,000
    expect(copart(4_000_000, 10).buyerPremiumCents).toBe(150_000); // 10 % of $40,000 = $4,000 → cap $1,500
  });

  it('the bid ceiling under the tiered rule, derived by hand', () => {
    const ceiling = (estimateCents: number) =>
      bidCeilingCents({
        estimateCents,
        premiumAt: (b) => copart(b).buyerPremiumCents,
        docFeeCents: 8_900,
        transportCents: 50_000,
        reconCents: 65_000,
        targetProfitCents: 200_000,
        targetRoiBp: 1_500,
      });
    // Estimate $10,000: landed ≤ min($10,000 − $2,000, floor($10,000 / 1.15) = $8,695.65) = $8,000, so
    // bid + premium ≤ $8,000 − $1,239 = $6,761. Above $5,000 the premium is $550 + 5 % of (bid − $5,000),
    // so 1.05 × bid + $300 ≤ $6,761 → bid ≤ $6,153.333…: at $6,153.33 the premium is $550 + $57.6665 →
    // $607.67 and bid + premium = $6,761.00 exactly; a cent more gives $6,761.01.
    expect(ceiling(1_000_000)).toBe(615_333);
    // Estimate $50,000: landed ≤ min($48,000, floor($50,000 / 1.15) = $43,478.26); the premium is at its
    // $1,500 cap there, so bid ≤ $43,478.26 − $1,239 − $1,500 = $40,739.26.
    expect(ceiling(5_000_000)).toBe(4_073_926);
  });

  it('premiumAtFor charges at every bid what computeFees charges there, the ceiling search included', () => {
    const bids = [0, 1, 4, 12, 99, 500, 12_345, 299_999, 300_000, 500_000, 500_001, 1_234_567, 4_000_000, 9_999_999];
    for (const [name, p] of [
      ['shipped', params],
      ['tiered', tieredCopart],
    ] as const) {
      for (const source of ['govdeals', 'PublicSurplus ', 'gsa', 'copart', 'IAA', 'some-other-site']) {
        for (const pct of [null, 0, 8, 10.25, 12.5]) {
          const listing = { source, buyerPremiumPct: pct, docFeeCents: null };
          const premiumAt = premiumAtFor(listing, p);
          for (const b of bids) {
            expect(premiumAt(b), `${name} ${source} ${pct} ${b}`).toBe(
              computeFees({ ...listing, currentBidCents: b }, p).buyerPremiumCents,
            );
          }
        }
      }
    }
  });
});
