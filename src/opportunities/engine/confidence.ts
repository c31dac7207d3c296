import type { ArbitrageParams } from '../../config/index.js';
import type { TitleStatus } from '../types.js';
import { clamp, roundHalfAway } from './money.js';

export interface ConfidenceInput {
  compCount: number;
  /** |comps − model| / max(comps, model); null without comps. */
  disagreement: number | null;
  age: number;
  mileage: number | null;
  hasVin: boolean;
  titleStatus: TitleStatus;
}

/**
 * One 0–100 scale, computed directly (the old product computed 0–1 and clamped into 10–100):
 *   base + min(compMax, perComp × n)
 *   + agreementMax × max(0, 1 − disagreement / zeroAt)     (only with comps)
 *   − min(ageMax, max(0, age − freeYears) × perYear)
 *   − min(mileMax, max(0, miles − free) / perMiles)
 *   − missing VIN − missing mileage − title penalty
 * rounded half away from zero and clamped. With the shipped config a documented, late-model,
 * clean vehicle with ≥ 10 agreeing comps reaches 20 + 50 + 15 = 85.
 */
export function computeConfidence(input: ConfidenceInput, params: ArbitrageParams): number {
  const c = params.confidence;
  let score = c.base + Math.min(c.compPointsMax, c.compPointsPerComp * input.compCount);
  if (input.disagreement !== null && input.compCount > 0) {
    score += c.agreementMaxPoints * Math.max(0, 1 - (input.disagreement * 100) / c.disagreementZeroAtPct);
  }
  score -= Math.min(c.agePenaltyMax, Math.max(0, input.age - c.ageFreeYears) * c.agePenaltyPerYear);
  if (input.mileage == null) {
    score -= c.missingMileagePenalty;
  } else {
    score -= Math.min(c.mileagePenaltyMax, Math.max(0, input.mileage - c.mileageFree) / c.mileagePenaltyPerMiles);
  }
  if (!input.hasVin) score -= c.missingVinPenalty;
  score -= c.titlePenalty[input.titleStatus];
  return clamp(0, 100, roundHalfAway(score));
}
