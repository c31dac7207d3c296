// The bid ceiling: the highest whole-cent bid at which a dealer still makes both the target profit
// and the target ROI once every cost is counted. Premium rules differ by source (a flat percent
// today, tiers, minimums or caps tomorrow), so the solver treats the premium as any function of
// the bid that never falls as the bid rises, and searches the integer cents instead of inverting
// a formula: the answer is exact for every such rule.

export interface CeilingInput {
  estimateCents: number;
  /** Buyer's premium at a given bid, in cents; must not decrease as the bid rises. */
  premiumAt: (bidCents: number) => number;
  docFeeCents: number;
  transportCents: number;
  reconCents: number;
  targetProfitCents: number;
  /** Target ROI in basis points (15 % = 1500). */
  targetRoiBp: number;
}

/** Defaults of a dealer profile that names no targets. */
export const DEFAULT_TARGET_PROFIT_CENTS = 200_000;
export const DEFAULT_TARGET_ROI_BP = 1_500;

export function landedCost(input: CeilingInput, bidCents: number): number {
  return bidCents + input.premiumAt(bidCents) + input.docFeeCents + input.transportCents + input.reconCents;
}

/** Both targets met at this bid; ROI compared in integers (profit × 10 000 ≥ bp × landed). */
export function meetsTargets(input: CeilingInput, bidCents: number): boolean {
  const landed = landedCost(input, bidCents);
  const profit = input.estimateCents - landed;
  return profit >= input.targetProfitCents && profit * 10_000 >= input.targetRoiBp * landed;
}

/**
 * The largest landed cost that still meets both targets: profit ≥ target means landed ≤ estimate −
 * target; ROI ≥ r means landed ≤ estimate × 10 000 / (10 000 + r), rounded down to the cent.
 */
export function targetLandedCost(input: Pick<CeilingInput, 'estimateCents' | 'targetProfitCents' | 'targetRoiBp'>): number {
  const byProfit = input.estimateCents - input.targetProfitCents;
  const byRoi =
    input.targetRoiBp <= -10_000 ? Number.POSITIVE_INFINITY : Math.floor((input.estimateCents * 10_000) / (10_000 + input.targetRoiBp));
  return Math.min(byProfit, byRoi);
}

/** Highest bid (cents) meeting both targets, or null when even a bid of 0 misses them. */
export function bidCeilingCents(input: CeilingInput): number | null {
  if (!meetsTargets(input, 0)) return null;
  // Landed cost is at least the bid, so no bid above the estimate can make a profit target ≥ 0;
  // with a negative target the bound widens by it.
  let lo = 0;
  let hi = Math.max(0, input.estimateCents - Math.min(0, input.targetProfitCents)) + 1;
  if (meetsTargets(input, hi)) return hi; // cannot happen for a non-decreasing premium; guards a bad rule
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (meetsTargets(input, mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface Targets {
  targetProfitCents: number;
  targetRoiBp: number;
}

export const DEFAULT_TARGETS: Targets = { targetProfitCents: DEFAULT_TARGET_PROFIT_CENTS, targetRoiBp: DEFAULT_TARGET_ROI_BP };
