import type { ArbitrageParams } from '../../config/index.js';
import type { TitleStatus } from '../types.js';
import { clamp, roundHalfAway } from './money.js';

export interface RiskInput {
  age: number;
  mileage: number | null;
  estimateCents: number;
  lowCents: number;
  highCents: number;
  compCount: number;
  titleStatus: TitleStatus;
}

export interface RiskComponents {
  age: number;
  mileage: number;
  volatility: number;
  thinData: number;
  title: number;
}

export interface Risk {
  score: number;
  components: RiskComponents;
  assumptions: string[];
}

function titleRisk(status: TitleStatus, params: ArbitrageParams): number {
  const t = params.risk.title;
  if (status === 'clean' || status === 'rebuilt' || status === 'salvage') return t[status];
  return t.other;
}

/**
 * The risk score, "the mean of the components, rescaled to 0–100", is computed as
 *   round(Σ components / Σ component maxima × 100)
 * so each component counts in proportion to its cap (a plain mean of five would never reach 100).
 * Unknown mileage is assumed to be the annual allowance × max(1, age) — a typical odometer —
 * rather than the worst case; confidence already pays for the missing figure.
 */
export function computeRisk(input: RiskInput, params: ArbitrageParams): Risk {
  const r = params.risk;
  const assumptions: string[] = [];
  let miles = input.mileage;
  if (miles == null) {
    miles = params.depreciation.annualMileageAllowance * Math.max(1, input.age);
    assumptions.push('risk:mileage_assumed');
  }
  const components: RiskComponents = {
    age: Math.min(r.ageMax, r.agePerYear * input.age),
    mileage: Math.min(r.mileageMax, miles / r.milesPerPoint),
    // Without a positive estimate the spread is unknowable: charge the whole component.
    volatility:
      input.estimateCents > 0
        ? Math.min(r.volatilityMax, ((input.highCents - input.lowCents) / input.estimateCents) * r.volatilityFactor)
        : r.volatilityMax,
    thinData: input.compCount === 0 ? r.thinDataNoComps : Math.max(0, r.thinDataBase - input.compCount / r.thinDataCompsPerPoint),
    title: titleRisk(input.titleStatus, params),
  };
  const maxima =
    r.ageMax +
    r.mileageMax +
    r.volatilityMax +
    Math.max(r.thinDataBase, r.thinDataNoComps) +
    Math.max(r.title.clean, r.title.rebuilt, r.title.salvage, r.title.other);
  const sum = components.age + components.mileage + components.volatility + components.thinData + components.title;
  return { score: maxima > 0 ? clamp(0, 100, roundHalfAway((sum / maxima) * 100)) : 0, components, assumptions };
}
