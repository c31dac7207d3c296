// Value from comparables. Every sale is adjusted to the listing in proportion to its price (a
// hedonic, log-linear adjustment): each model year and each 10,000 miles of difference move the
// price by a percentage, learnt from the family's own sales and held near the configured prior
// when they are few, and the mileage factor is bounded so no sale is ever adjusted to zero. The
// estimate is the similarity-weighted geometric mean of the adjusted prices, never below a floor
// share of what such vehicles actually sold for.
import type { ArbitrageParams } from '../../config/index.js';
import type { Comp, ComparableUsed, ListingInput } from '../types.js';
import { familyOf, vehicleClass, type VehicleClass } from './cohort.js';
import { roundHalfAway } from './money.js';
import { fitSlopes, type Observation } from './slopes.js';

type Sale = Extract<Comp, { kind: 'sale' }>;
type Market = Extract<Comp, { kind: 'market' }>;
type VP = ArbitrageParams['valuation'];

export interface CompsValue {
  estimateCents: number;
  lowCents: number;
  highCents: number;
  /** Sales used plus market rows' (capped) sample sizes. */
  count: number;
  comparables: ComparableUsed[];
  /** Fitted adjustments, for provenance and tests. */
  yearPct: number;
  mileagePctPer10k: number;
}

const DAY_MS = 86_400_000;
// A floor on the robust spread (log units, ≈ ±15 %): identical prices must not make a genuine
// neighbour (a borrowed class, an adjusted year) look like a typo.
const MIN_SPREAD = 0.15;

export function compClass(c: Comp): VehicleClass {
  return c.kind === 'sale' && c.vehicleClass ? c.vehicleClass : vehicleClass({ model: c.model, trim: c.trim });
}

/** Comps of the listing's model family, any model year. */
export function familyComps(listing: Pick<ListingInput, 'make' | 'model'>, comps: readonly Comp[], params: ArbitrageParams): Comp[] {
  const aliases = params.valuation.modelFamilies;
  const key = familyOf(listing.make, listing.model, aliases).key;
  return comps.filter((c) => familyOf(c.make, c.model, aliases).key === key);
}

/** Comps of the listing's model family within the year window, widened until there are enough. */
export function matchingComps(
  listing: Pick<ListingInput, 'make' | 'model' | 'year'>,
  comps: readonly Comp[],
  params: ArbitrageParams,
): Comp[] {
  const v = params.valuation;
  const family = familyComps(listing, comps, params);
  for (let w = v.compYearWindow; ; w++) {
    const within = family.filter((c) => Math.abs(c.year - listing.year) <= w);
    if (within.length >= v.minComps || w >= v.maxCompYearWindow) return within;
  }
}

function classRatio(from: VehicleClass, to: VehicleClass, v: VP): number {
  if (from === to) return 1;
  const police = v.policeClassFactor;
  return to === 'police' ? police : 1 / police;
}

/** Nearest-rank weighted quantile of values (sorted by value). */
function weightedQuantile(points: Array<{ x: number; w: number }>, q: number): number {
  const s = [...points].sort((a, b) => a.x - b.x);
  const total = s.reduce((a, p) => a + p.w, 0);
  let acc = 0;
  for (const p of s) {
    acc += p.w;
    if (acc >= q * total - 1e-12) return p.x;
  }
  return s[s.length - 1]!.x;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// A listing's mileage regime: sales within this many kernel widths of its odometer, when at least
// LOCAL_MIN of them are (else the caller keeps its wider set).
const LOCAL_KERNELS = 2.5;
const LOCAL_MIN = 8;

function nearInMiles(sales: readonly Sale[], miles: number | null, kernelMiles: number): Sale[] | null {
  if (miles === null) return null;
  const near = sales.filter((s) => s.mileage !== null && Math.abs(s.mileage - miles) <= LOCAL_KERNELS * kernelMiles);
  return near.length >= LOCAL_MIN ? near : null;
}

/**
 * The comps estimate for a listing (before the title multiplier), or null without usable comps.
 * `comps` are the candidates of the listing's family (any year); `now` dates the sales' recency.
 */
export function valueFromComps(
  listing: Pick<ListingInput, 'make' | 'model' | 'trim' | 'title' | 'year' | 'mileage' | 'vehicle'>,
  comps: readonly Comp[],
  params: ArbitrageParams,
  now?: Date,
): CompsValue | null {
  const v = params.valuation;
  const cls = vehicleClass(listing);
  const candidates = matchingComps(listing, comps, params);
  const sales = candidates.filter((c): c is Sale => c.kind === 'sale' && c.priceCents > 0);
  const market = candidates.filter((c): c is Market => c.kind === 'market' && c.avgCents > 0);
  if (sales.length + market.length === 0) return null;

  // Prefer the listing's own class; borrow the other class (scaled) only when it is thin.
  const sameClass = sales.filter((s) => compClass(s) === cls);
  const used = sameClass.length >= v.minSameClassComps ? sameClass : sales;
  const nowMs = now?.getTime() ?? Math.max(0, ...used.map((s) => s.saleDate.getTime()));
  const M = listing.mileage;

  // Slopes from the whole family (wider years) so they rest on a spread of ages and odometers,
  // and from the sales of the listing's own mileage regime when it has enough of them: prices fall
  // steeply over the first 100,000 miles and hardly at all past 250,000, so a family-wide slope
  // marked a 280,000-mile sale down 40 % to stand for a 340,000-mile unit that sells for the same.
  const family = familyComps(listing, comps, params).filter(
    (c): c is Sale => c.kind === 'sale' && c.priceCents > 0 && Math.abs(c.year - listing.year) <= v.maxCompYearWindow + 2,
  );
  const fitSet = nearInMiles(family, M, v.mileageKernelMiles) ?? family;
  const obs: Observation[] = fitSet.map((s) => ({
    y: Math.log(s.priceCents / classRatio(compClass(s), cls, v)),
    dYear: s.year - listing.year,
    dMiles: s.mileage === null || M === null ? null : (s.mileage - M) / 10_000,
  }));
  const slopes = fitSlopes(obs, v);
  const [fMin, fMax] = v.mileageFactorBounds;

  // `counts`: how many comparables a point stands for in the blend weight (a market row of a
  // usual-mileage vehicle, far from the listing's odometer, counts for less than its samples).
  const points: Array<{ a: number; w: number; c: Comp; adj: number; counts?: number }> = [];
  // With a local slope, only the sales it describes: a 100,000-mile sale carried to 340,000 miles
  // on the flat slope of the high-mileage regime would stand for four times what it should.
  for (const s of fitSet === family ? used : (nearInMiles(used, M, v.mileageKernelMiles) ?? used)) {
    const dYear = listing.year - s.year;
    const mileFactor =
      s.mileage === null || M === null ? 1 : Math.min(fMax, Math.max(fMin, Math.exp(slopes.mileage * ((M - s.mileage) / 10_000))));
    const a = Math.log(s.priceCents) + slopes.year * dYear + Math.log(mileFactor) + Math.log(classRatio(compClass(s), cls, v));
    const kMiles = s.mileage === null || M === null ? 0.5 : Math.exp(-Math.abs(M - s.mileage) / v.mileageKernelMiles);
    const kYear = Math.exp(-Math.abs(dYear) / v.yearKernelYears);
    const ageDays = Math.max(0, (nowMs - s.saleDate.getTime()) / DAY_MS);
    const recency = 0.5 ** (ageDays / v.recencyHalfLifeDays);
    points.push({ a, w: kMiles * kYear * recency, c: s, adj: Math.exp(a) });
  }
  // Market rows of the other class only while the listing's own class is thin, as for sales.
  const marketUsed = used === sameClass ? market.filter((m) => vehicleClass({ model: m.model, trim: m.trim }) === cls) : market;
  for (const m of marketUsed) {
    const dYear = listing.year - m.year;
    const age = Math.max(1, (now ? now.getUTCFullYear() : m.year + 1) - m.year);
    const usual = params.depreciation.annualMileageAllowance * age;
    const mileFactor = M === null ? 1 : Math.min(fMax, Math.max(fMin, Math.exp(slopes.mileage * ((M - usual) / 10_000))));
    const ratio = classRatio(vehicleClass({ model: m.model, trim: m.trim }), cls, v);
    const a = Math.log(m.avgCents) + slopes.year * dYear + Math.log(mileFactor) + Math.log(ratio);
    // A market row prices a vehicle of the usual mileage for its age: the farther the listing's
    // odometer from that, the more its adjusted price is an extrapolation, and the less it counts
    // (as a sale counts less the farther its odometer). Without it a 340,000-mile fleet unit was
    // valued mostly from rows for 110,000-mile vehicles, about twice what such units sell for.
    const kMiles = M === null ? 0.5 : Math.exp(-Math.abs(M - usual) / v.mileageKernelMiles);
    const samples = Math.min(v.marketRowMaxWeight, Math.max(1, m.sampleSize));
    points.push({
      a,
      w: samples * Math.exp(-Math.abs(dYear) / v.yearKernelYears) * 0.5 * kMiles,
      c: m,
      adj: Math.exp(a),
      counts: samples * (M === null ? 1 : kMiles),
    });
  }
  // Export typos (a price ×10 or ÷10) and odd sales: drop what sits far outside the rest.
  const center = median(points.map((p) => p.a));
  const mad = median(points.map((p) => Math.abs(p.a - center))) * 1.4826;
  const kept = points.length >= 4 ? points.filter((p) => Math.abs(p.a - center) <= v.outlierMadLimit * Math.max(mad, MIN_SPREAD)) : points;
  const totalW = kept.reduce((s, p) => s + p.w, 0);
  if (kept.length === 0 || !(totalW > 0)) return null;
  const logEstimate = kept.reduce((s, p) => s + p.w * p.a, 0) / totalW;

  // Never below a floor share of what the cohort's vehicles sold for, unadjusted, their median
  // weighted as the estimate weighs them (odometer, year, recency): a plain median, mostly of
  // younger odometers, held 300,000-mile units at twice what such units sell for.
  const cohort = points.filter((p) => p.c.kind === 'sale' && Math.abs(p.c.year - listing.year) <= v.compYearWindow);
  const floor = cohort.length
    ? v.floorShareOfComps *
      weightedQuantile(
        cohort.map((p) => ({ x: (p.c as Sale).priceCents * classRatio(compClass(p.c as Sale), cls, v), w: p.w })),
        0.5,
      )
    : 0;
  const estimate = Math.max(floor, params.depreciation.floorCents, Math.exp(logEstimate));
  const lowRatio = Math.exp(
    weightedQuantile(
      kept.map((p) => ({ x: p.a - logEstimate, w: p.w })),
      v.lowPercentile / 100,
    ),
  );
  const highRatio = Math.exp(
    weightedQuantile(
      kept.map((p) => ({ x: p.a - logEstimate, w: p.w })),
      v.highPercentile / 100,
    ),
  );
  const salesUsed = kept.filter((p) => p.c.kind === 'sale').length;
  const marketCount = Math.round(kept.filter((p) => p.c.kind === 'market').reduce((s, p) => s + (p.counts ?? 0), 0));
  return {
    estimateCents: roundHalfAway(estimate),
    lowCents: roundHalfAway(estimate * Math.min(1, lowRatio)),
    highCents: roundHalfAway(estimate * Math.max(1, highRatio)),
    count: salesUsed + marketCount,
    comparables: [...kept]
      .sort((x, y) => y.w - x.w)
      .slice(0, v.comparablesShown)
      .map((p) => ({
        id: p.c.id ?? null,
        kind: p.c.kind,
        year: p.c.year,
        model: p.c.model,
        mileage: p.c.kind === 'sale' ? p.c.mileage : null,
        priceCents: p.c.kind === 'sale' ? p.c.priceCents : p.c.avgCents,
        saleDate: p.c.kind === 'sale' ? p.c.saleDate.toISOString().slice(0, 10) : null,
        adjustedCents: roundHalfAway(p.adj),
        weight: Math.round((p.w / totalW) * 10_000) / 10_000,
      })),
    yearPct: (Math.exp(slopes.year) - 1) * 100,
    mileagePctPer10k: (Math.exp(slopes.mileage) - 1) * 100,
  };
}
