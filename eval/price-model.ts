// The evaluation set's ground truth: a catalogue of vehicles that government fleets sell (with
// real WMI+VDS prefixes, so an offline vPIC decoder reads them as the make and model they are)
// and a price model that says what each one is worth. The engine under test never sees this
// model: it only sees listings and comparable sales drawn from it with noise.
import type { Random } from '../src/common/random.js';

export type VehicleClass = 'civilian' | 'fleet' | 'police';

export interface CatalogEntry {
  id: string;
  make: string;
  /** How sellers write the model; the first is the usual one. `trim` is the trim written with it. */
  names: Array<{ make?: string; model: string; trim: string | null; weight: number }>;
  /** WMI + VDS (8 characters) with the model years each is valid for. */
  vins: Array<{ prefix: string; from: number; to: number }>;
  cls: VehicleClass;
  newPriceDollars: number;
  /** Annual depreciation rate (continuous). */
  depreciation: number;
  /** Value lost per 100,000 miles above the usual mileage for the age (continuous). */
  mileageElasticity: number;
  /** Miles a year such a unit usually runs. */
  milesPerYear: [number, number];
  /** Relative share of listings and comps. */
  weight: number;
}

export const CATALOG: CatalogEntry[] = [
  {
    id: 'piu',
    make: 'Ford',
    cls: 'police',
    newPriceDollars: 42_000,
    depreciation: 0.13,
    mileageElasticity: 0.3,
    milesPerYear: [18_000, 36_000],
    weight: 9,
    names: [
      { model: 'Police Interceptor Utility', trim: null, weight: 6 },
      { model: 'Explorer', trim: 'Police Interceptor', weight: 2 },
      { model: 'Interceptor Utility', trim: 'AWD', weight: 1 },
      { model: 'Explorer', trim: 'PIU AWD', weight: 1 },
    ],
    vins: [
      { prefix: '1FM5K8AR', from: 2013, to: 2019 },
      { prefix: '1FM5K8AB', from: 2020, to: 2022 },
    ],
  },
  {
    id: 'pis',
    make: 'Ford',
    cls: 'police',
    newPriceDollars: 30_000,
    depreciation: 0.14,
    mileageElasticity: 0.32,
    milesPerYear: [18_000, 34_000],
    weight: 4,
    names: [
      { model: 'Police Interceptor Sedan', trim: null, weight: 3 },
      { model: 'Taurus', trim: 'Police Interceptor', weight: 1 },
    ],
    vins: [{ prefix: '1FAHP2M8', from: 2013, to: 2019 }],
  },
  {
    id: 'charger-pursuit',
    make: 'Dodge',
    cls: 'police',
    newPriceDollars: 33_000,
    depreciation: 0.13,
    mileageElasticity: 0.3,
    milesPerYear: [18_000, 35_000],
    weight: 6,
    names: [
      { model: 'Charger Pursuit', trim: null, weight: 4 },
      { model: 'Charger', trim: 'Pursuit', weight: 2 },
      { model: 'Charger', trim: 'Police', weight: 1 },
    ],
    vins: [
      { prefix: '2C3CDXAT', from: 2011, to: 2014 },
      { prefix: '2C3CDXAG', from: 2015, to: 2022 },
    ],
  },
  {
    id: 'tahoe-ppv',
    make: 'Chevrolet',
    cls: 'police',
    newPriceDollars: 47_000,
    depreciation: 0.11,
    mileageElasticity: 0.26,
    milesPerYear: [16_000, 32_000],
    weight: 5,
    names: [
      { model: 'Tahoe PPV', trim: null, weight: 3 },
      { model: 'Tahoe', trim: 'PPV 4WD', weight: 2 },
      { model: 'Tahoe', trim: 'Police', weight: 1 },
    ],
    vins: [{ prefix: '1GNSKDEC', from: 2015, to: 2020 }],
  },
  {
    id: 'impala-police',
    make: 'Chevrolet',
    cls: 'police',
    newPriceDollars: 27_000,
    depreciation: 0.14,
    mileageElasticity: 0.33,
    milesPerYear: [16_000, 30_000],
    weight: 3,
    names: [
      { model: 'Impala', trim: '9C1 Police', weight: 2 },
      { model: 'Impala Limited', trim: 'Police', weight: 1 },
    ],
    vins: [{ prefix: '2G1WD5E3', from: 2012, to: 2016 }],
  },
  {
    id: 'durango-pursuit',
    make: 'Dodge',
    cls: 'police',
    newPriceDollars: 39_000,
    depreciation: 0.12,
    mileageElasticity: 0.28,
    milesPerYear: [16_000, 30_000],
    weight: 2,
    names: [
      { model: 'Durango Pursuit', trim: null, weight: 2 },
      { model: 'Durango', trim: 'Pursuit AWD', weight: 1 },
    ],
    vins: [{ prefix: '1C4RDJFG', from: 2018, to: 2022 }],
  },
  {
    id: 'f150',
    make: 'Ford',
    cls: 'fleet',
    newPriceDollars: 45_000,
    depreciation: 0.1,
    mileageElasticity: 0.24,
    milesPerYear: [9_000, 20_000],
    weight: 9,
    names: [
      { model: 'F-150', trim: 'XL', weight: 5 },
      { model: 'F-150', trim: null, weight: 3 },
      { model: 'F150', trim: 'XLT SuperCrew', weight: 1 },
    ],
    vins: [
      { prefix: '1FTFW1ET', from: 2011, to: 2014 },
      { prefix: '1FTEW1EP', from: 2015, to: 2020 },
    ],
  },
  {
    id: 'silverado',
    make: 'Chevrolet',
    cls: 'fleet',
    newPriceDollars: 44_000,
    depreciation: 0.1,
    mileageElasticity: 0.24,
    milesPerYear: [9_000, 20_000],
    weight: 7,
    names: [
      { model: 'Silverado 1500', trim: null, weight: 4 },
      { model: 'Silverado', trim: '1500 LT', weight: 2 },
      { make: 'Chevy', model: 'Silverado 1500', trim: 'WT', weight: 1 },
    ],
    vins: [
      { prefix: '1GCRCREC', from: 2014, to: 2018 },
      { prefix: '3GCUKREC', from: 2019, to: 2020 },
    ],
  },
  {
    id: 'ram1500',
    make: 'Ram',
    cls: 'fleet',
    newPriceDollars: 42_000,
    depreciation: 0.11,
    mileageElasticity: 0.25,
    milesPerYear: [9_000, 20_000],
    weight: 5,
    names: [
      { model: '1500', trim: 'Tradesman', weight: 3 },
      { make: 'Dodge', model: 'Ram 1500', trim: null, weight: 2 },
      { model: 'Ram 1500', trim: 'ST', weight: 1 },
    ],
    vins: [
      { prefix: '1C6RR7LT', from: 2013, to: 2018 },
      { prefix: '3C6RR7KT', from: 2013, to: 2018 },
    ],
  },
  {
    id: 'explorer',
    make: 'Ford',
    cls: 'civilian',
    newPriceDollars: 38_000,
    depreciation: 0.12,
    mileageElasticity: 0.28,
    milesPerYear: [8_000, 16_000],
    weight: 4,
    names: [
      { model: 'Explorer', trim: 'XLT', weight: 3 },
      { model: 'Explorer', trim: null, weight: 1 },
    ],
    vins: [{ prefix: '1FM5K8D8', from: 2016, to: 2019 }],
  },
  {
    id: 'tahoe',
    make: 'Chevrolet',
    cls: 'civilian',
    newPriceDollars: 55_000,
    depreciation: 0.1,
    mileageElasticity: 0.24,
    milesPerYear: [8_000, 16_000],
    weight: 3,
    names: [
      { model: 'Tahoe', trim: 'LT', weight: 3 },
      { model: 'Tahoe', trim: null, weight: 1 },
    ],
    vins: [{ prefix: '1GNSKBKC', from: 2015, to: 2020 }],
  },
  {
    id: 'camry',
    make: 'Toyota',
    cls: 'civilian',
    newPriceDollars: 26_000,
    depreciation: 0.09,
    mileageElasticity: 0.3,
    milesPerYear: [8_000, 15_000],
    weight: 5,
    names: [
      { model: 'Camry', trim: 'LE', weight: 3 },
      { model: 'Camry', trim: null, weight: 1 },
    ],
    vins: [
      { prefix: '4T1BF1FK', from: 2012, to: 2017 },
      { prefix: '4T1B11HK', from: 2018, to: 2022 },
    ],
  },
  {
    id: 'accord',
    make: 'Honda',
    cls: 'civilian',
    newPriceDollars: 27_000,
    depreciation: 0.09,
    mileageElasticity: 0.3,
    milesPerYear: [8_000, 15_000],
    weight: 3,
    names: [
      { model: 'Accord', trim: 'LX', weight: 2 },
      { model: 'Accord', trim: null, weight: 1 },
    ],
    vins: [{ prefix: '1HGCR2F3', from: 2013, to: 2017 }],
  },
  {
    id: 'transit',
    make: 'Ford',
    cls: 'fleet',
    newPriceDollars: 40_000,
    depreciation: 0.11,
    mileageElasticity: 0.26,
    milesPerYear: [10_000, 22_000],
    weight: 4,
    names: [
      { model: 'Transit 250', trim: 'Cargo Van', weight: 2 },
      { model: 'Transit', trim: '250 Cargo', weight: 2 },
    ],
    vins: [{ prefix: '1FTYR2CM', from: 2015, to: 2022 }],
  },
  {
    id: 'escape',
    make: 'Ford',
    cls: 'fleet',
    newPriceDollars: 26_000,
    depreciation: 0.12,
    mileageElasticity: 0.3,
    milesPerYear: [8_000, 16_000],
    weight: 3,
    names: [
      { model: 'Escape', trim: 'SE 4WD', weight: 2 },
      { model: 'Escape', trim: null, weight: 1 },
    ],
    vins: [{ prefix: '1FMCU9GD', from: 2013, to: 2016 }],
  },
  {
    id: 'grand-caravan',
    make: 'Dodge',
    cls: 'fleet',
    newPriceDollars: 27_000,
    depreciation: 0.13,
    mileageElasticity: 0.3,
    milesPerYear: [9_000, 18_000],
    weight: 3,
    names: [
      { model: 'Grand Caravan', trim: 'SE', weight: 2 },
      { model: 'Grand Caravan', trim: null, weight: 1 },
    ],
    vins: [{ prefix: '2C4RDGBG', from: 2011, to: 2020 }],
  },
  {
    id: 'fusion',
    make: 'Ford',
    cls: 'fleet',
    newPriceDollars: 24_000,
    depreciation: 0.13,
    mileageElasticity: 0.32,
    milesPerYear: [9_000, 18_000],
    weight: 3,
    names: [
      { model: 'Fusion', trim: 'SE', weight: 2 },
      { model: 'Fusion', trim: null, weight: 1 },
    ],
    vins: [{ prefix: '3FA6P0H7', from: 2013, to: 2020 }],
  },
  {
    id: 'f250',
    make: 'Ford',
    cls: 'fleet',
    newPriceDollars: 50_000,
    depreciation: 0.09,
    mileageElasticity: 0.2,
    milesPerYear: [9_000, 20_000],
    weight: 3,
    names: [
      { model: 'F-250', trim: 'XL Super Duty', weight: 2 },
      { model: 'F-250 Super Duty', trim: null, weight: 1 },
    ],
    vins: [{ prefix: '1FT7W2B6', from: 2011, to: 2016 }],
  },
  {
    id: 'wrangler',
    make: 'Jeep',
    cls: 'civilian',
    newPriceDollars: 34_000,
    depreciation: 0.07,
    mileageElasticity: 0.22,
    milesPerYear: [6_000, 13_000],
    weight: 2,
    names: [
      { model: 'Wrangler Unlimited', trim: 'Sport', weight: 1 },
      { model: 'Wrangler', trim: 'Unlimited Sport', weight: 1 },
    ],
    vins: [{ prefix: '1C4BJWDG', from: 2012, to: 2017 }],
  },
];

export interface PriceModelParams {
  /** Police units are worth this share of an equivalent civilian vehicle (wear, holes, idle hours). */
  policeFactor: number;
  /** Multiplies every entry's mileage elasticity (a set with steeper or flatter mileage curves). */
  elasticityScale: number;
  /** Multiplies every entry's depreciation rate. */
  depreciationScale: number;
  /** Usual miles a year that the mileage effect is measured from. */
  baselineMilesPerYear: number;
  /** What a running vehicle is worth at worst (scrap and parts). */
  floorDollars: number;
}

export const TITLE_FACTORS: Record<string, number> = { clean: 1, rebuilt: 0.75, salvage: 0.6, unknown: 1 };

/** True retail value in cents of a vehicle with a clean title. */
export function truePriceCents(e: CatalogEntry, year: number, mileage: number, refYear: number, p: PriceModelParams): number {
  const age = Math.max(0, refYear - year);
  const baseline = p.baselineMilesPerYear * Math.max(1, age);
  const depreciated = e.newPriceDollars * Math.exp(-e.depreciation * p.depreciationScale * age);
  const mileageFactor = Math.exp((-e.mileageElasticity * p.elasticityScale * (mileage - baseline)) / 100_000);
  const cls = e.cls === 'police' ? p.policeFactor : 1;
  return Math.round(Math.max(p.floorDollars, depreciated * mileageFactor * cls) * 100);
}

export function pickWeighted<T extends { weight: number }>(rnd: Random, xs: readonly T[]): T {
  const total = xs.reduce((a, x) => a + x.weight, 0);
  let r = rnd() * total;
  for (const x of xs) {
    r -= x.weight;
    if (r <= 0) return x;
  }
  return xs[xs.length - 1]!;
}

/** Standard normal from two uniforms (Box–Muller). */
export function gaussian(rnd: Random): number {
  const u = Math.max(1e-12, rnd());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
