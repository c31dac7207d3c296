// Loads the operator-editable arbitrage parameters (config/arbitrage.json) and refuses a bad
// file loudly: a typo in a fee table would otherwise silently misprice every listing.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { zipLocation } from '../common/geo.js';
import { allRequired, compileOwnSchema, orNull } from '../common/json-schema.js';

/** The state fallback of transport must cover every one of these. */
const US_STATES_AND_DC = (
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
  'OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC'
).split(' ');

const NonNeg = { type: 'number', minimum: 0 } as const;
const Cents = { type: 'integer', minimum: 0 } as const;
const Pct = { type: 'number', minimum: 0, maximum: 100 } as const;
const Multiplier = { type: 'number', minimum: 0, maximum: 2 } as const;
const StateCode = { type: 'string', pattern: '^[A-Z]{2}$' } as const;

const num = <const O extends object>(bounds: O) => ({ type: 'number', ...bounds }) as const;
const int = <const O extends object>(bounds: O) => ({ type: 'integer', ...bounds }) as const;
const str = <const O extends object>(bounds: O) => ({ type: 'string', ...bounds }) as const;
const arrayOf = <const S extends JSONSchema, const O extends object = Record<never, never>>(items: S, bounds: O = {} as O) =>
  ({ type: 'array', items, ...bounds }) as const;
const pair = <const A extends JSONSchema, const B extends JSONSchema>(a: A, b: B) =>
  ({ type: 'array', items: [a, b], additionalItems: false, minItems: 2, maxItems: 2 }) as const;
/** An object keyed by any name (a source, a state, a model), every value of one schema. */
const recordOf = <const S extends JSONSchema>(values: S) => ({ type: 'object', patternProperties: { '^(.*)$': values } }) as const;
/** Every listed property required, no other allowed: a typo in the file is an error, not a default. */
const strict = <const P extends Record<string, JSONSchema>>(properties: P) =>
  ({ ...allRequired(properties), additionalProperties: false }) as const;

// Tiers are marginal, like tax brackets: each tier's percentage applies to the part of the bid
// inside it. Unlike a rate chosen by the band the whole bid falls in, the premium then never drops
// as the bid rises, which the bid-ceiling search relies on.
const PremiumTier = strict({ upToCents: orNull(int({ exclusiveMinimum: 0 })), pct: Pct });
export const PremiumRuleSchema = strict({
  tiers: arrayOf(PremiumTier, { minItems: 1 }),
  minimumCents: Cents,
  capCents: orNull(Cents),
});
export type PremiumRule = FromSchema<typeof PremiumRuleSchema>;
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
  minProfitCents: int({}),
  minRoiPct: num({}),
  minConfidence: NonNeg,
  maxRisk: NonNeg,
});

export const ArbitrageParamsSchema = strict({
  fees: strict({
    unknownSourceFallback: str({ minLength: 1 }),
    sources: recordOf(FeeRow),
  }),
  transport: strict({
    bands: arrayOf(strict({ maxMiles: orNull(num({ exclusiveMinimum: 0 })), rateCentsPerMile: NonNeg }), {
      minItems: 1,
    }),
    minimumCents: Cents,
    roadFactor: num({ minimum: 1, maximum: 3 }),
    unknownStateMiles: NonNeg,
    stateCentroids: recordOf(pair(num({ minimum: -90, maximum: 90 }), num({ minimum: -180, maximum: 180 }))),
  }),
  dealer: strict({
    zip: orNull(str({ pattern: '^[0-9]{5}$' })),
    state: StateCode,
    latitude: orNull(num({ minimum: -90, maximum: 90 })),
    longitude: orNull(num({ minimum: -180, maximum: 180 })),
  }),
  recon: strict({
    baseCents: Cents,
    fleetSurchargeCents: Cents,
    fleetKeywords: arrayOf(str({ minLength: 1 })),
  }),
  title: strict({ multipliers: TitleTable }),
  valuation: strict({
    compYearWindow: int({ minimum: 0 }),
    maxCompYearWindow: int({ minimum: 0 }),
    minComps: int({ minimum: 1 }),
    minSameClassComps: int({ minimum: 1 }),
    policeClassFactor: num({ exclusiveMinimum: 0, maximum: 2 }),
    yearPctPrior: Pct,
    yearPctBounds: pair(Pct, Pct),
    mileagePctPer10kPrior: num({ minimum: 0, maximum: 50 }),
    mileagePctPer10kBounds: pair(num({ minimum: 0, maximum: 50 }), num({ minimum: 0, maximum: 50 })),
    mileageFactorBounds: pair(num({ exclusiveMinimum: 0, maximum: 1 }), num({ minimum: 1, maximum: 10 })),
    slopePriorStrength: NonNeg,
    mileageKernelMiles: num({ exclusiveMinimum: 0 }),
    yearKernelYears: num({ exclusiveMinimum: 0 }),
    recencyHalfLifeDays: num({ exclusiveMinimum: 0 }),
    outlierMadLimit: num({ exclusiveMinimum: 0 }),
    marketRowMaxWeight: num({ minimum: 1 }),
    floorShareOfComps: num({ minimum: 0, maximum: 1 }),
    comparablesShown: int({ minimum: 0, maximum: 100 }),
    compsForFullWeight: num({ exclusiveMinimum: 0 }),
    lowPercentile: Pct,
    highPercentile: Pct,
    modelSpreadPct: Pct,
    modelFamilies: recordOf(str({ minLength: 1 })),
  }),
  depreciation: strict({
    annualDepreciationPct: Pct,
    annualMileageAllowance: NonNeg,
    excessMilePctPer10k: num({ minimum: 0, maximum: 50 }),
    minMileageFactor: num({ minimum: 0, maximum: 1 }),
    floorCents: Cents,
    defaultSegment: str({ minLength: 1 }),
    segmentBaseCents: recordOf(Cents),
    modelSegments: recordOf(str({})),
    brandMultipliers: recordOf(Multiplier),
    defaultBrandMultiplier: Multiplier,
  }),
  confidence: strict({
    base: NonNeg,
    compPointsPerComp: NonNeg,
    compPointsMax: NonNeg,
    agreementMaxPoints: NonNeg,
    disagreementZeroAtPct: num({ exclusiveMinimum: 0 }),
    ageFreeYears: NonNeg,
    agePenaltyPerYear: NonNeg,
    agePenaltyMax: NonNeg,
    mileageFree: NonNeg,
    mileagePenaltyPerMiles: num({ exclusiveMinimum: 0 }),
    mileagePenaltyMax: NonNeg,
    missingVinPenalty: NonNeg,
    missingMileagePenalty: NonNeg,
    titlePenalty: TitleTable,
  }),
  risk: strict({
    agePerYear: NonNeg,
    ageMax: NonNeg,
    milesPerPoint: num({ exclusiveMinimum: 0 }),
    mileageMax: NonNeg,
    volatilityFactor: NonNeg,
    volatilityMax: NonNeg,
    thinDataBase: NonNeg,
    thinDataCompsPerPoint: num({ exclusiveMinimum: 0 }),
    thinDataNoComps: NonNeg,
    title: strict({ clean: NonNeg, rebuilt: NonNeg, salvage: NonNeg, other: NonNeg }),
  }),
  status: strict({ hot: Thresholds, good: Thresholds }),
  score: strict({
    profitDollarsPerPoint: num({ exclusiveMinimum: 0 }),
    profitPointsMax: NonNeg,
    roiPointsMax: NonNeg,
    confidenceDivisor: num({ exclusiveMinimum: 0 }),
    riskDivisor: num({ exclusiveMinimum: 0 }),
  }),
});

export type ArbitrageParams = FromSchema<typeof ArbitrageParamsSchema>;

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

/** The name the build gives the parameters' prebuilt validator (src/cli/write-validators.ts). */
export const ARBITRAGE_PARAMS_VALIDATOR = 'arbitrage-params';

const validateParams = compileOwnSchema<ArbitrageParams>(ArbitrageParamsSchema, ARBITRAGE_PARAMS_VALIDATOR);

/** One problem as a JSON path and what is wrong there; a missing or unknown key is named in the path. */
function describeProblem(e: ErrorObject): string {
  const key =
    (e.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ??
    (e.params as { additionalProperty?: string }).additionalProperty;
  return `${e.instancePath}${key === undefined ? '' : `/${key}`}` + `: ${e.message ?? 'invalid'}`;
}

/** Validates an already-parsed object; throws an Error naming the first offending JSON path. */
export function parseArbitrageParams(raw: unknown, origin = 'arbitrage config'): ArbitrageParams {
  const data = stripComments(raw);
  if (!validateParams(data)) {
    const problems = (validateParams.errors ?? []).slice(0, 5).map(describeProblem);
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
