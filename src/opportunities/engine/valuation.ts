import type { ArbitrageParams } from '../../config/index.js';
import type { Comp, ListingInput, TitleStatus, Valuation, ValuationMethod } from '../types.js';
import { valueFromComps } from './comps-value.js';
import { roundHalfAway } from './money.js';

export { familyComps, matchingComps, valueFromComps, type CompsValue } from './comps-value.js';

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/** Whole model years since the model year, by the caller's clock; never negative (next year's models). */
export function vehicleAge(year: number, now: Date): number {
  return Math.max(0, now.getUTCFullYear() - year);
}

/** Longest configured model key found as whole words in the model name (so "F-150 XLT" → f-150). */
export function segmentFor(model: string, params: ArbitrageParams): string | null {
  const m = norm(model);
  const map = params.depreciation.modelSegments;
  if (map[m]) return map[m];
  let best: string | null = null;
  for (const key of Object.keys(map)) {
    const k = norm(key);
    const at = m.indexOf(k);
    if (at < 0) continue;
    const before = at === 0 ? '' : m[at - 1];
    const after = m[at + k.length] ?? '';
    const boundary = (ch: string) => ch === '' || !/[a-z0-9]/.test(ch);
    if (boundary(before) && boundary(after) && (best === null || k.length > norm(best).length)) best = key;
  }
  return best === null ? null : map[best];
}

/**
 * Depreciation model: max(floor, round(base × brand × (1 − annual%)^age × mileage factor)),
 * mileage factor = max(minFactor, (1 − pct/100)^(excess / 10,000)), excess = max(0, mileage −
 * allowance × max(1, age)); unknown mileage → factor 1. Proportional and bounded, so a
 * high-mileage unit loses a share of its value, never all of it.
 */
export function valueFromModel(
  listing: Pick<ListingInput, 'make' | 'model' | 'mileage' | 'year'>,
  now: Date,
  params: ArbitrageParams,
): { cents: number; assumptions: string[] } {
  const d = params.depreciation;
  const assumptions: string[] = [];
  let segment = segmentFor(listing.model, params);
  if (segment === null) {
    assumptions.push('valuation:unknown_segment');
    segment = d.defaultSegment;
  }
  let brand = d.brandMultipliers[norm(listing.make)];
  if (brand === undefined) {
    assumptions.push('valuation:unknown_brand');
    brand = d.defaultBrandMultiplier;
  }
  const age = vehicleAge(listing.year, now);
  const depreciated = d.segmentBaseCents[segment] * brand * (1 - d.annualDepreciationPct / 100) ** age;
  const excess = listing.mileage == null ? 0 : Math.max(0, listing.mileage - d.annualMileageAllowance * Math.max(1, age));
  const mileageFactor = Math.max(d.minMileageFactor, (1 - d.excessMilePctPer10k / 100) ** (excess / 10_000));
  return { cents: Math.max(d.floorCents, roundHalfAway(depreciated * mileageFactor)), assumptions };
}

export interface ValuationResult {
  valuation: Valuation;
  /** |comps − model| / max(comps, model) before the title multiplier; null without comps. */
  disagreement: number | null;
  compCount: number;
  compsWeight: number;
  modelCents: number;
  compsCents: number | null;
  assumptions: string[];
}

export function titleMultiplier(status: TitleStatus, params: ArbitrageParams): number {
  return params.title.multipliers[status];
}

/**
 * Blend weight w = min(1, n / compsForFullWeight), n = sales + market sample sizes:
 * estimate = round(w × comps + (1 − w) × model), same for low/high (model low/high = model ∓ spread%),
 * then each × the title multiplier, rounded half away from zero.
 */
export function appraiseValue(listing: ListingInput, comps: readonly Comp[], params: ArbitrageParams, now: Date): ValuationResult {
  const assumptions: string[] = [];
  const fromComps = valueFromComps(listing, comps, params, now);
  const model = valueFromModel(listing, now, params);
  const spread = params.valuation.modelSpreadPct / 100;
  const modelLow = roundHalfAway(model.cents * (1 - spread));
  const modelHigh = roundHalfAway(model.cents * (1 + spread));

  const n = fromComps?.count ?? 0;
  const w = Math.min(1, n / params.valuation.compsForFullWeight);
  let method: ValuationMethod;
  let est: number;
  let low: number;
  let high: number;
  if (fromComps === null) {
    method = 'model';
    assumptions.push('valuation:no_comps', ...model.assumptions);
    [est, low, high] = [model.cents, modelLow, modelHigh];
  } else if (w >= 1) {
    method = 'comps';
    [est, low, high] = [fromComps.estimateCents, fromComps.lowCents, fromComps.highCents];
  } else {
    method = 'blend';
    assumptions.push('valuation:few_comps', ...model.assumptions);
    const mix = (c: number, m: number) => roundHalfAway(w * c + (1 - w) * m);
    est = mix(fromComps.estimateCents, model.cents);
    low = mix(fromComps.lowCents, modelLow);
    high = mix(fromComps.highCents, modelHigh);
  }
  if (listing.mileage == null) assumptions.push('valuation:mileage_unknown');
  if (listing.titleStatus === 'unknown') assumptions.push('valuation:title_unknown');

  const mult = titleMultiplier(listing.titleStatus, params);
  const disagreement =
    fromComps === null ? null : Math.abs(fromComps.estimateCents - model.cents) / Math.max(fromComps.estimateCents, model.cents, 1);
  return {
    valuation: {
      estimateCents: roundHalfAway(est * mult),
      lowCents: roundHalfAway(Math.min(low, est) * mult),
      highCents: roundHalfAway(Math.max(high, est) * mult),
      method,
      sampleSize: n,
      comparables: fromComps?.comparables ?? [],
    },
    disagreement,
    compCount: n,
    compsWeight: w,
    modelCents: model.cents,
    compsCents: fromComps?.estimateCents ?? null,
    assumptions,
  };
}
