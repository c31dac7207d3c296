// Loads the operator-editable arbitrage parameters (config/arbitrage.json) and refuses a bad
// file loudly: a typo in a fee table would otherwise silently misprice every listing.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { zipLocation } from '../common/geo.js';

/** The state fallback of transport must cover every one of these. */
const US_STATES_AND_DC = (
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
  'OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC'
).split(' ');

const NonNeg = Type.Number({ minimum: 0 });
const Cents = Type.Integer({ minimum: 0 });
const Pct = Type.Number({ minimum: 0, maximum: 100 });
const Multiplier = Type.Number({ minimum: 0, maximum: 2 });
const StateCode = Type.String({ pattern: '^[A-Z]{2}$' });

const strict = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: false });

// Tiers are marginal, like tax brackets: each tier's percentage applies to the part of the bid
// inside it. Unlike a rate chosen by the band the whole bid falls in, the premium then never drops
// as the bid rises, which the bid-ceiling search relies on.
const PremiumTier = strict({ upToCents: Type.Union([Type.Integer({ exclusiveMinimum: 0 }), Type.Null()]), pct: Pct });
export const PremiumRuleSchema = strict({
  tiers: Type.Array(PremiumTier, { minItems: 1 }),
  minimumCents: Cents,
  capCents: Type.Union([Cents, Type.Null()]),
});
export type PremiumRule = Static<typeof PremiumRuleSchema>;
const FeeRow = strict({ buyerPremium: PremiumRuleSchema, docFeeCents: Cents });
const TitleTable = strict({
  clean: NonNeg,
  rebuilt: NonNeg,
  salvage: NonNeg,
  flood: NonNeg,
  lemon: NonNeg,
  unknown: NonNeg,
});
const Thresholds = strict({
  minProfitCents: Type.Integer(),
  minRoiPct: Type.Number(),
  minConfidence: NonNeg,
  maxRisk: NonNeg,
});

export const ArbitrageParamsSchema = strict({
  fees: strict({
    unknownSourceFallback: Type.String({ minLength: 1 }),
    sources: Type.Record(Type.String(), FeeRow),
  }),
  transport: strict({
    bands: Type.Array(strict({ maxMiles: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]), rateCentsPerMile: NonNeg }), {
      minItems: 1,
    }),
    minimumCents: Cents,
    roadFactor: Type.Number({ minimum: 1, maximum: 3 }),
    unknownStateMiles: NonNeg,
    stateCentroids: Type.Record(
      Type.String(),
      Type.Tuple([Type.Number({ minimum: -90, maximum: 90 }), Type.Number({ minimum: -180, maximum: 180 })]),
    ),
  }),
  dealer: strict({
    zip: Type.Union([Type.String({ pattern: '^[0-9]{5}$' }), Type.Null()]),
    state: StateCode,
    latitude: Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()]),
    longitude: Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()]),
  }),
  recon: strict({
    baseCents: Cents,
    fleetSurchargeCents: Cents,
    fleetKeywords: Type.Array(Type.String({ minLength: 1 })),
  }),
  title: strict({ multipliers: TitleTable }),
  valuation: strict({
    compYearWindow: Type.Integer({ minimum: 0 }),
    maxCompYearWindow: Type.Integer({ minimum: 0 }),
    minComps: Type.Integer({ minimum: 1 }),
    minSameClassComps: Type.Integer({ minimum: 1 }),
    policeClassFactor: Type.Number({ exclusiveMinimum: 0, maximum: 2 }),
    yearPctPrior: Pct,
    yearPctBounds: Type.Tuple([Pct, Pct]),
    mileagePctPer10kPrior: Type.Number({ minimum: 0, maximum: 50 }),
    mileagePctPer10kBounds: Type.Tuple([Type.Number({ minimum: 0, maximum: 50 }), Type.Number({ minimum: 0, maximum: 50 })]),
    mileageFactorBounds: Type.Tuple([Type.Number({ exclusiveMinimum: 0, maximum: 1 }), Type.Number({ minimum: 1, maximum: 10 })]),
    slopePriorStrength: NonNeg,
    mileageKernelMiles: Type.Number({ exclusiveMinimum: 0 }),
    yearKernelYears: Type.Number({ exclusiveMinimum: 0 }),
    recencyHalfLifeDays: Type.Number({ exclusiveMinimum: 0 }),
    outlierMadLimit: Type.Number({ exclusiveMinimum: 0 }),
    marketRowMaxWeight: Type.Number({ minimum: 1 }),
    floorShareOfComps: Type.Number({ minimum: 0, maximum: 1 }),
    comparablesShown: Type.Integer({ minimum: 0, maximum: 100 }),
    compsForFullWeight: Type.Number({ exclusiveMinimum: 0 }),
    lowPercentile: Pct,
    highPercentile: Pct,
    modelSpreadPct: Pct,
    modelFamilies: Type.Record(Type.String(), Type.String({ minLength: 1 })),
  }),
  depreciation: strict({
    annualDepreciationPct: Pct,
    annualMileageAllowance: NonNeg,
    excessMilePctPer10k: Type.Number({ minimum: 0, maximum: 50 }),
    minMileageFactor: Type.Number({ minimum: 0, maximum: 1 }),
    floorCents: Cents,
    defaultSegment: Type.String({ minLength: 1 }),
    segmentBaseCents: Type.Record(Type.String(), Cents),
    modelSegments: Type.Record(Type.String(), Type.String()),
    brandMultipliers: Type.Record(Type.String(), Multiplier),
    defaultBrandMultiplier: Multiplier,
  }),
  confidence: strict({
    base: NonNeg,
    compPointsPerComp: NonNeg,
    compPointsMax: NonNeg,
    agreementMaxPoints: NonNeg,
    disagreementZeroAtPct: Type.Number({ exclusiveMinimum: 0 }),
    ageFreeYears: NonNeg,
    agePenaltyPerYear: NonNeg,
    agePenaltyMax: NonNeg,
    mileageFree: NonNeg,
    mileagePenaltyPerMiles: Type.Number({ exclusiveMinimum: 0 }),
    mileagePenaltyMax: NonNeg,
    missingVinPenalty: NonNeg,
    missingMileagePenalty: NonNeg,
    titlePenalty: TitleTable,
  }),
  risk: strict({
    agePerYear: NonNeg,
    ageMax: NonNeg,
    milesPerPoint: Type.Number({ exclusiveMinimum: 0 }),
    mileageMax: NonNeg,
    volatilityFactor: NonNeg,
    volatilityMax: NonNeg,
    thinDataBase: NonNeg,
    thinDataCompsPerPoint: Type.Number({ exclusiveMinimum: 0 }),
    thinDataNoComps: NonNeg,
    title: strict({ clean: NonNeg, rebuilt: NonNeg, salvage: NonNeg, other: NonNeg }),
  }),
  status: strict({ hot: Thresholds, good: Thresholds }),
  score: strict({
    profitDollarsPerPoint: Type.Number({ exclusiveMinimum: 0 }),
    profitPointsMax: NonNeg,
    roiPointsMax: NonNeg,
    confidenceDivisor: Type.Number({ exclusiveMinimum: 0 }),
    riskDivisor: Type.Number({ exclusiveMinimum: 0 }),
  }),
});

export type ArbitrageParams = Static<typeof ArbitrageParamsSchema>;

/** Operators annotate the file with "$comment…" keys; they are documentation, not parameters. */
function stripComments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripComments);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('$comment')) out[k] = stripComments(x);
    return out;
  }
  return v;
}

/** A premium rule's cross-field problems, each naming its JSON path under `at`. */
export function premiumRuleProblems(rule: PremiumRule, at: string): string[] {
  const errs: string[] = [];
  rule.tiers.forEach((t, i) => {
    const last = i === rule.tiers.length - 1;
    if (last && t.upToCents !== null) errs.push(`${at}/tiers/${i}/upToCents: the last tier must be null (the rest of the bid)`);
    if (!last && t.upToCents === null) errs.push(`${at}/tiers/${i}/upToCents: only the last tier may be unbounded`);
    const prev = i > 0 ? rule.tiers[i - 1]!.upToCents : null;
    if (t.upToCents !== null && prev !== null && t.upToCents <= prev)
      errs.push(`${at}/tiers/${i}/upToCents: tiers must ascend (${t.upToCents} ≤ ${prev})`);
  });
  if (rule.capCents !== null && rule.minimumCents > rule.capCents)
    errs.push(`${at}/minimumCents: must not exceed capCents (${rule.minimumCents} > ${rule.capCents})`);
  return errs;
}

/** Rules the schema cannot express; each names the path an operator must fix. */
function crossChecks(p: ArbitrageParams): string[] {
  const errs: string[] = [];
  if (!p.fees.sources[p.fees.unknownSourceFallback]) {
    errs.push('/fees/unknownSourceFallback: names no row of /fees/sources');
  }
  for (const [source, row] of Object.entries(p.fees.sources))
    errs.push(...premiumRuleProblems(row.buyerPremium, `/fees/sources/${source}/buyerPremium`));
  const bands = p.transport.bands;
  bands.forEach((b, i) => {
    const last = i === bands.length - 1;
    if (last && b.maxMiles !== null) errs.push(`/transport/bands/${i}/maxMiles: the last band must be null (unbounded)`);
    if (!last && b.maxMiles === null) errs.push(`/transport/bands/${i}/maxMiles: only the last band may be unbounded`);
    const prev = i > 0 ? bands[i - 1].maxMiles : null;
    if (i > 0 && b.maxMiles !== null && prev !== null && b.maxMiles <= prev) {
      errs.push(`/transport/bands/${i}/maxMiles: bands must ascend`);
    }
  });
  const d = p.depreciation;
  if (d.segmentBaseCents[d.defaultSegment] === undefined) {
    errs.push('/depreciation/defaultSegment: names no key of /depreciation/segmentBaseCents');
  }
  for (const [model, seg] of Object.entries(d.modelSegments)) {
    if (d.segmentBaseCents[seg] === undefined) errs.push(`/depreciation/modelSegments/${model}: unknown segment "${seg}"`);
  }
  if ((p.dealer.latitude === null) !== (p.dealer.longitude === null)) {
    errs.push('/dealer/latitude: latitude and longitude must both be set or both be null');
  }
  if (p.dealer.latitude === null && p.dealer.zip === null && !p.transport.stateCentroids[p.dealer.state]) {
    errs.push('/dealer/state: no centroid for the dealer state and no dealer ZIP or coordinates');
  }
  if (p.dealer.zip !== null && p.dealer.latitude === null) {
    const z = zipLocation(p.dealer.zip);
    if (!z) errs.push(`/dealer/zip: ${p.dealer.zip} is not in the ZIP table`);
    else if (z.state !== p.dealer.state) errs.push(`/dealer/state: ZIP ${p.dealer.zip} is in ${z.state}, not ${p.dealer.state}`);
  }
  for (const s of US_STATES_AND_DC) {
    if (!p.transport.stateCentroids[s]) errs.push(`/transport/stateCentroids: no centroid for ${s} (every state and DC needs one)`);
  }
  const v = p.valuation;
  if (v.lowPercentile > v.highPercentile) errs.push('/valuation/lowPercentile: must not exceed highPercentile');
  if (v.compYearWindow > v.maxCompYearWindow) errs.push('/valuation/compYearWindow: must not exceed maxCompYearWindow');
  if (v.yearPctBounds[0] > v.yearPctPrior || v.yearPctPrior > v.yearPctBounds[1])
    errs.push('/valuation/yearPctPrior: must lie within yearPctBounds');
  if (v.mileagePctPer10kBounds[0] > v.mileagePctPer10kPrior || v.mileagePctPer10kPrior > v.mileagePctPer10kBounds[1]) {
    errs.push('/valuation/mileagePctPer10kPrior: must lie within mileagePctPer10kBounds');
  }
  return errs;
}

/** Validates an already-parsed object; throws an Error naming the first offending JSON path. */
export function parseArbitrageParams(raw: unknown, origin = 'arbitrage config'): ArbitrageParams {
  const data = stripComments(raw);
  if (!Value.Check(ArbitrageParamsSchema, data)) {
    const problems = [...Value.Errors(ArbitrageParamsSchema, data)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
    throw new Error(`Invalid ${origin}: ${problems.join('; ')}`);
  }
  const extra = crossChecks(data);
  if (extra.length > 0) throw new Error(`Invalid ${origin}: ${extra.join('; ')}`);
  return data;
}

export function loadArbitrageParams(path?: string): ArbitrageParams {
  const file = path ?? process.env.DEALERSCOPE_ARBITRAGE_CONFIG ?? defaultConfigPath();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read arbitrage config ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`Invalid arbitrage config ${file}: not JSON (${(e as Error).message})`);
  }
  return parseArbitrageParams(raw, `arbitrage config ${file}`);
}

/** Works from src/ (tsx, vitest) and from dist/src/ (compiled) by walking up to the package root. */
function defaultConfigPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = resolve(dir, 'config', 'arbitrage.json');
    if (existsSync(candidate) && existsSync(resolve(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  return resolve(process.cwd(), 'config', 'arbitrage.json');
}

let cached: ArbitrageParams | undefined;

/** The process-wide parameters, read once; tests and tools pass explicit params instead. */
export function defaultArbitrageParams(): ArbitrageParams {
  cached ??= loadArbitrageParams();
  return cached;
}
