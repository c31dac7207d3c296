import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bidCeilingCents, landedCost, meetsTargets, targetLandedCost, type CeilingInput } from './ceiling.js';
import { percentOf } from './money.js';

const flat = (pct: number) => (bid: number) => percentOf(bid, pct);

/** A tiered schedule with a minimum and a cap, as auction houses publish them (percent per band of the whole bid). */
function tiered(tiers: Array<{ upToCents: number; pct: number }>, minCents: number, capCents: number) {
  const sorted = [...tiers].sort((a, b) => a.upToCents - b.upToCents);
  // Percent falls band by band, but the fee never does: each band's fee is at least the previous band's maximum.
  return (bid: number) => {
    let floor = 0;
    for (const t of sorted) {
      if (bid <= t.upToCents) return Math.min(capCents, Math.max(minCents, floor, percentOf(bid, t.pct)));
      floor = Math.max(floor, percentOf(t.upToCents, t.pct));
    }
    return Math.min(capCents, Math.max(minCents, floor, percentOf(bid, sorted[sorted.length - 1]?.pct ?? 0)));
  };
}

const base = fc.record({
  estimateCents: fc.integer({ min: 0, max: 20_000_000 }),
  docFeeCents: fc.integer({ min: 0, max: 50_000 }),
  transportCents: fc.integer({ min: 0, max: 500_000 }),
  reconCents: fc.integer({ min: 0, max: 200_000 }),
  targetProfitCents: fc.integer({ min: -100_000, max: 1_000_000 }),
  targetRoiBp: fc.integer({ min: 0, max: 10_000 }),
});

function checkExact(input: CeilingInput): void {
  const c = bidCeilingCents(input);
  const target = targetLandedCost(input);
  if (c === null) {
    expect(meetsTargets(input, 0)).toBe(false);
    expect(landedCost(input, 0)).toBeGreaterThan(target);
    return;
  }
  expect(meetsTargets(input, c)).toBe(true);
  expect(meetsTargets(input, c + 1)).toBe(false);
  // The target landed cost lies between the ceiling's landed cost and the next cent's.
  expect(landedCost(input, c)).toBeLessThanOrEqual(target);
  expect(landedCost(input, c + 1)).toBeGreaterThan(target);
}

describe('bid ceiling', () => {
  it('matches a hand calculation: $20,000 estimate, GovDeals 12.5 % premium, $75 doc, $500 transport, $650 recon', () => {
    const input: CeilingInput = {
      estimateCents: 2_000_000,
      premiumAt: flat(12.5),
      docFeeCents: 7_500,
      transportCents: 50_000,
      reconCents: 65_000,
      targetProfitCents: 200_000,
      targetRoiBp: 1_500,
    };
    // ROI binds: landed ≤ 20 000 / 1.15 = 17 391.30; bid × 1.125 = 16 166.30 → bid 14 370.04 (premium 1 796.26).
    expect(bidCeilingCents(input)).toBe(1_437_004);
    expect(landedCost(input, 1_437_004)).toBe(1_739_130);
    expect(targetLandedCost(input)).toBe(1_739_130);
  });

  it('is null when even a bid of 0 misses the targets', () => {
    expect(
      bidCeilingCents({
        estimateCents: 100_000,
        premiumAt: flat(10),
        docFeeCents: 5_000,
        transportCents: 35_000,
        reconCents: 65_000,
        targetProfitCents: 200_000,
        targetRoiBp: 1_500,
      }),
    ).toBeNull();
  });

  it('lands exactly on the target to the cent when the premium is zero', () => {
    fc.assert(
      fc.property(base, (b) => {
        const input = { ...b, premiumAt: () => 0 };
        const c = bidCeilingCents(input);
        if (c !== null) expect(landedCost(input, c)).toBe(targetLandedCost(input));
      }),
      { numRuns: 500 },
    );
  });

  it('is the exact largest bid under a flat percent premium', () => {
    fc.assert(
      fc.property(base, fc.integer({ min: 0, max: 2_500 }), (b, bp) => {
        checkExact({ ...b, premiumAt: flat(bp / 100) });
      }),
      { numRuns: 500 },
    );
  });

  it('lands on the target to the cent wherever the landed cost is reachable (flat premium)', () => {
    fc.assert(
      fc.property(base, fc.integer({ min: 0, max: 2_500 }), (b, bp) => {
        const input = { ...b, premiumAt: flat(bp / 100) };
        const c = bidCeilingCents(input);
        if (c === null) return;
        // Where the landed cost moves by one cent per cent of bid, every landed cost is reachable, so the ceiling's is the target.
        if (landedCost(input, c + 1) - landedCost(input, c) === 1) expect(landedCost(input, c)).toBe(targetLandedCost(input));
      }),
      { numRuns: 500 },
    );
  });

  it('is the exact largest bid under tiered premiums with a minimum and a cap', () => {
    const tiers = fc.array(
      fc.record({ upToCents: fc.integer({ min: 1, max: 5_000_000 }), pct: fc.integer({ min: 0, max: 2_500 }).map((x) => x / 100) }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(base, tiers, fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 500_000 }), (b, t, min, capExtra) => {
        checkExact({ ...b, premiumAt: tiered(t, min, min + capExtra) });
      }),
      { numRuns: 500 },
    );
  });
});
