import type { ArbitrageParams } from '../../config/index.js';
import type { OpportunityStatus } from '../types.js';
import { clamp, roundHalfAway } from './money.js';

export interface StatusInput {
  profitCents: number;
  totalCostCents: number;
  confidence: number;
  riskScore: number;
}

type Thresholds = ArbitrageParams['status']['hot'];

/** ROI is compared exactly (profit × 10 000 > pct × 100 × total) so 25.00 % is never rounded past 25 %. */
function passes(m: StatusInput, t: Thresholds): boolean {
  const roiBpThreshold = roundHalfAway(t.minRoiPct * 100);
  return (
    m.profitCents > t.minProfitCents &&
    m.profitCents * 10000 > roiBpThreshold * m.totalCostCents &&
    m.confidence > t.minConfidence &&
    m.riskScore < t.maxRisk
  );
}

/** Strict inequalities on the thresholds of config/arbitrage.json (`status`); an open anomaly caps the status at good. */
export function classifyStatus(m: StatusInput, params: ArbitrageParams, hasOpenAnomaly = false): OpportunityStatus {
  if (!hasOpenAnomaly && passes(m, params.status.hot)) return 'hot';
  if (passes(m, params.status.good)) return 'good';
  return 'moderate';
}

/**
 * score = clamp(0, 100, min(40, profit$ / 250) + min(30, ROI%) + confidence / 5 − risk / 2),
 * rounded half away from zero after clamping. ROI% here is the exact ratio, not the rounded bp.
 */
export function computeScore(m: StatusInput, params: ArbitrageParams): number {
  const s = params.score;
  const roiPct = m.totalCostCents === 0 ? 0 : (m.profitCents / m.totalCostCents) * 100;
  const raw =
    Math.min(s.profitPointsMax, m.profitCents / 100 / s.profitDollarsPerPoint) +
    Math.min(s.roiPointsMax, roiPct) +
    m.confidence / s.confidenceDivisor -
    m.riskScore / s.riskDivisor;
  return roundHalfAway(clamp(0, 100, raw));
}
