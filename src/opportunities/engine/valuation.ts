import type { ArbitrageParams } from '../../config/arbitrage.js';
import type { Comp, ListingInput, TitleStatus, Valuation, ValuationMethod } from '../types.js';
import { roundHalfAway } from './money.js';

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/** Whole model years since the model year, by the caller's clock; never negative (next year's models). */
export function vehicleAge(year: number, now: Date): number {
  return Math.max(0, now.getUTCFullYear() - year);
}

export function matchingComps(
  listing: Pick<ListingInput, 'make' | 'model' | 'year'>,
  comps: readonly Comp[],
  params: ArbitrageParams,
): Comp[] {
  const make = norm(listing.make);
  const model = norm(listing.model);
  const window = params.valuation.compYearWindow;
  return comps.filter(
    (c) => norm(c.make) === make && norm(c.model) === model && Math.abs(c.year - listing.year) <= window,
  );
}

/** Nearest-rank percentile of ascending values: the ceil(p/100 × n)-th value. */
export function percentile(sorted: readonly number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export interface CompsValue {
  estimateCents: number;
  lowCents: number;
  highCents: number;
  count: number;
}

/**
 * Adjusts each comp to the listing's year and mileage, then takes the count-weighted mean.
 * Sale: price × (1 + Δyear × yearPct/100) + (compMiles − listingMiles) × cents/mile, rounded per comp
 * (no mileage term when either mileage is unknown). Market row: avg/low/high × the same year
 * factor, rounded, weighted by its sample size (at least 1). low/high: sales' P10/P90 and market rows'
 * low/high, blended by the same weights.
 */
export function valueFromComps(
  listing: Pick<ListingInput, 'year' | 'mileage'>,
  comps: readonly Comp[],
  params: ArbitrageParams,
): CompsValue | null {
  const v = params.valuation;
  const yearFactor = (compYear: number) => 1 + ((listing.year - compYear) * v.yearAdjustmentPct) / 100;
  const sales: number[] = [];
  let marketWeight = 0;
  let marketSum = 0;
  let marketLowSum = 0;
  let marketHighSum = 0;
  for (const c of comps) {
    const f = yearFactor(c.year);
    if (c.kind === 'sale') {
      const miles =
        c.mileage != null && listing.mileage != null
          ? (c.mileage - listing.mileage) * v.mileageAdjustmentCentsPerMile
          : 0;
      sales.push(Math.max(0, roundHalfAway(c.priceCents * f + miles)));
    } else {
      const w = Math.max(1, c.sampleSize);
      marketWeight += w;
      marketSum += w * roundHalfAway(c.avgCents * f);
      marketLowSum += w * roundHalfAway(c.lowCents * f);
      marketHighSum += w * roundHalfAway(c.highCents * f);
    }
  }
  const count = sales.length + marketWeight;
  if (count === 0) return null;
  const sorted = [...sales].sort((a, b) => a - b);
  const salesSum = sales.reduce((a, b) => a + b, 0);
  const salesLow = sorted.length ? percentile(sorted, v.lowPercentile) * sorted.length : 0;
  const salesHigh = sorted.length ? percentile(sorted, v.highPercentile) * sorted.length : 0;
  return {
    estimateCents: roundHalfAway((salesSum + marketSum) / count),
    lowCents: roundHalfAway((salesLow + marketLowSum) / count),
    highCents: roundHalfAway((salesHigh + marketHighSum) / count),
    count,
  };
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
 * Depreciation model: max(floor, round(base × brand × (1 − annual%)^age − excessMiles × cents)),
 * excessMiles = max(0, mileage − allowance × max(1, age)); unknown mileage → no excess.
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
  return { cents: Math.max(d.floorCents, roundHalfAway(depreciated - excess * d.centsPerExcessMile)), assumptions };
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
export function appraiseValue(
  listing: ListingInput,
  comps: readonly Comp[],
  params: ArbitrageParams,
  now: Date,
): ValuationResult {
  const assumptions: string[] = [];
  const matched = matchingComps(listing, comps, params);
  const fromComps = valueFromComps(listing, matched, params);
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
    fromComps === null
      ? null
      : Math.abs(fromComps.estimateCents - model.cents) / Math.max(fromComps.estimateCents, model.cents, 1);
  return {
    valuation: {
      estimateCents: roundHalfAway(est * mult),
      lowCents: roundHalfAway(Math.min(low, est) * mult),
      highCents: roundHalfAway(Math.max(high, est) * mult),
      method,
      sampleSize: n,
    },
    disagreement,
    compCount: n,
    compsWeight: w,
    modelCents: model.cents,
    compsCents: fromComps?.estimateCents ?? null,
    assumptions,
  };
}
