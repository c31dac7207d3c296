// Draws an evaluation set: clean listings and dealer sales from the price model in
// price-model.ts, plus listings with injected faults of many kinds. Seeded: the same options
// give the same set.
import zipcodes from 'zipcodes';
import { computeCheckDigit } from '../src/quality/vin.js';
import { seededRandom, type Random } from '../src/common/random.js';
import { injectFault, FAULT_KINDS } from './faults.js';
import { CATALOG, gaussian, pickWeighted, TITLE_FACTORS, truePriceCents, type CatalogEntry, type PriceModelParams } from './price-model.js';
import type { EvalListing, EvalSet, FeedRow, Truth } from './set-format.js';

export interface GeneratorOptions {
  seed: number;
  reference: string;
  clean: number;
  faultsPerKind: number;
  /** Mean dealer sales per catalogue entry (scaled by its weight). */
  salesPerEntry: number;
  /** Log-normal spread of a sale around the vehicle's true price. */
  saleNoise: number;
  /** Share of sales that are export errors (price typed ×10 or ÷10). */
  junkSales: number;
  dealerZip: string;
  price: PriceModelParams;
}

export const DEFAULT_OPTIONS: GeneratorOptions = {
  seed: 20261201,
  reference: '2026-12-01T18:00:00.000Z',
  clean: 460,
  faultsPerKind: 5,
  salesPerEntry: 46,
  saleNoise: 0.07,
  junkSales: 0.015,
  dealerZip: '90012',
  price: { policeFactor: 0.82, elasticityScale: 1, depreciationScale: 1, baselineMilesPerYear: 12_000, floorDollars: 1_200 },
};

const STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
    'OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC'
  ).split(' '),
);
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
const SOURCES = [
  { name: 'GovDeals', key: 'govdeals', url: (lot: string) => `https://www.govdeals.com/asset/${lot}/4521`, weight: 5 },
  {
    name: 'PublicSurplus',
    key: 'publicsurplus',
    url: (lot: string) => `https://www.publicsurplus.com/sms/auction/view?auc=${lot}`,
    weight: 3,
  },
  { name: 'GSA Auctions', key: 'gsa', url: (lot: string) => `https://www.gsaauctions.gov/auctions/preview/${lot}`, weight: 2 },
];

export class Generator {
  readonly rnd: Random;
  readonly refMs: number;
  readonly refYear: number;
  private readonly zips: zipcodes.ZipCode[];
  private lot = 0;
  private serial = 0;

  constructor(readonly opts: GeneratorOptions) {
    this.rnd = seededRandom(opts.seed);
    this.refMs = Date.parse(opts.reference);
    this.refYear = new Date(this.refMs).getUTCFullYear();
    this.zips = Object.keys(zipcodes.codes)
      .sort()
      .map((z) => zipcodes.codes[z]!)
      .filter((z) => z.country === 'US' && STATES.has(z.state) && /^\d{5}$/.test(z.zip));
  }

  between(a: number, b: number): number {
    return a + this.rnd() * (b - a);
  }
  int(a: number, b: number): number {
    return Math.floor(this.between(a, b + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }

  vin(prefix: string, year: number): string {
    const body = `${prefix}0${YEAR_CODES[(year - 1980) % 30]}${this.pick([...'ABCDEFGHKLMNPRSTUVWXYZ'])}${String(100_000 + ((++this.serial * 7919) % 900_000))}`;
    return body.slice(0, 8) + computeCheckDigit(body)! + body.slice(9);
  }

  /** Model year and the VIN prefix valid for it. */
  yearFor(e: CatalogEntry): { year: number; prefix: string } {
    const v = this.pick(e.vins);
    return { year: this.int(v.from, Math.min(v.to, this.refYear - 1)), prefix: v.prefix };
  }

  mileageFor(e: CatalogEntry, year: number): number {
    const age = Math.max(0.5, this.refYear - year - this.rnd() * 0.5);
    const perYear = this.between(e.milesPerYear[0], e.milesPerYear[1]);
    return Math.min(345_000, Math.round(age * perYear + this.between(0, 4_000)));
  }

  place(): zipcodes.ZipCode {
    return this.pick(this.zips);
  }

  price(e: CatalogEntry, year: number, mileage: number): number {
    return truePriceCents(e, year, mileage, this.refYear, this.opts.price);
  }

  /** A clean listing row with its truth; fault injectors start from one of these. */
  cleanListing(entry?: CatalogEntry): { listing: EvalListing; entry: CatalogEntry; prefix: string } {
    const e = entry ?? pickWeighted(this.rnd, CATALOG);
    const { year, prefix } = this.yearFor(e);
    const name = pickWeighted(this.rnd, e.names);
    const make = name.make ?? e.make;
    const mileage = this.mileageFor(e, year);
    const titleRoll = this.rnd();
    const titleStatus: Truth['titleStatus'] =
      titleRoll < 0.03 ? 'rebuilt' : titleRoll < 0.06 ? 'salvage' : titleRoll < 0.09 ? 'unknown' : 'clean';
    const priceCents = Math.round(this.price(e, year, mileage) * TITLE_FACTORS[titleStatus]!);
    const bid = Math.max(100, Math.round(((priceCents / 100) * this.between(0.2, 0.8)) / 25) * 25);
    const z = this.chance(0.03) ? null : this.place();
    const state = z?.state ?? this.pick([...STATES].filter((s) => s !== 'DC'));
    const source = pickWeighted(this.rnd, SOURCES);
    const lot = `EV${this.opts.seed % 1000}-${String(++this.lot).padStart(5, '0')}`;
    const vinRoll = this.rnd();
    const vin = this.vin(prefix, year);
    const odometer = mileage.toLocaleString('en-US');
    const unit =
      e.cls === 'police'
        ? this.pick([
            'Former patrol unit, equipment removed.',
            'Retired police vehicle; push bar and lights removed.',
            'Ex-sheriff unit, cage removed.',
          ])
        : e.cls === 'fleet'
          ? this.pick(['Fleet maintained.', 'Department fleet vehicle, regular service.', 'Public works unit.'])
          : 'Surplus vehicle.';
    const trimText = name.trim ? ` ${name.trim}` : '';
    const row: FeedRow = {
      source: source.name,
      lot_id: lot,
      title: `${year} ${make} ${name.model}${trimText}`,
      year,
      make,
      model: name.model,
      trim: name.trim,
      vin: vinRoll < 0.9 ? vin : null,
      mileage: this.chance(0.04) ? null : mileage,
      current_bid: bid,
      auction_end: new Date(this.refMs + Math.round(this.between(0.1, 14) * 86_400_000)).toISOString(),
      city: z?.city ?? null,
      state,
      zip: z?.zip ?? null,
      listing_url: source.url(lot),
      title_status: titleStatus === 'unknown' ? null : titleStatus[0]!.toUpperCase() + titleStatus.slice(1),
      description: `${year} ${make} ${name.model}${trimText}. ${unit} Odometer: ${odometer} miles. Runs and drives.${vinRoll >= 0.9 && vinRoll < 0.95 ? ` VIN ${vin}.` : ''}`,
    };
    const truth: Truth = { priceCents, mileage, cls: e.cls, titleStatus, latitude: z?.latitude ?? null, longitude: z?.longitude ?? null };
    return { listing: { label: 'clean', kind: null, truth, row }, entry: e, prefix };
  }

  sales(): FeedRow[] {
    const out: FeedRow[] = [];
    const totalWeight = CATALOG.reduce((a, e) => a + e.weight, 0);
    for (const e of CATALOG) {
      const n = Math.max(4, Math.round(((this.opts.salesPerEntry * CATALOG.length * e.weight) / totalWeight) * this.between(0.7, 1.3)));
      for (let i = 0; i < n; i++) {
        const { year, prefix } = this.yearFor(e);
        const mileage = this.mileageFor(e, year);
        const name = pickWeighted(this.rnd, e.names);
        let price = this.price(e, year, mileage) * Math.exp(this.opts.saleNoise * gaussian(this.rnd));
        if (this.chance(this.opts.junkSales)) price *= this.pick([0.1, 10]);
        const sold = new Date(this.refMs - Math.round(this.between(2, 365) * 86_400_000));
        out.push({
          VIN: this.chance(0.92) ? this.vin(prefix, year) : '',
          Year: year,
          Make: name.make ?? e.make,
          Model: name.model,
          Trim: this.chance(0.6) ? (name.trim ?? '') : '',
          'Sale Price': Math.round(price / 100),
          'Sale Date': `${sold.getUTCMonth() + 1}/${sold.getUTCDate()}/${sold.getUTCFullYear()}`,
          Mileage: mileage,
          State: this.place().state,
        });
      }
    }
    return out;
  }

  /** Pricing-guide rows for civilian models: average at the usual mileage for the year. */
  market(): FeedRow[] {
    const out: FeedRow[] = [];
    for (const e of CATALOG.filter((c) => c.cls !== 'police' && this.chance(0.5))) {
      const from = Math.min(...e.vins.map((v) => v.from));
      const to = Math.min(this.refYear - 1, Math.max(...e.vins.map((v) => v.to)));
      for (let year = from; year <= to; year++) {
        const usual = this.opts.price.baselineMilesPerYear * Math.max(1, this.refYear - year);
        const avg = (this.price(e, year, usual) / 100) * Math.exp(0.03 * gaussian(this.rnd));
        out.push({
          make: e.make,
          model: e.names[0]!.model,
          year,
          trim: null,
          avg: Math.round(avg),
          low: Math.round(avg * 0.82),
          high: Math.round(avg * 1.18),
          sample_size: this.int(5, 40),
        });
      }
    }
    return out;
  }
}

export function generateSet(opts: GeneratorOptions): EvalSet {
  const g = new Generator(opts);
  const listings: EvalListing[] = [];
  for (let i = 0; i < opts.clean; i++) listings.push(g.cleanListing().listing);
  for (const kind of FAULT_KINDS) for (let i = 0; i < opts.faultsPerKind; i++) listings.push(...injectFault(g, kind));
  for (let i = listings.length - 1; i > 0; i--) {
    const j = Math.floor(g.rnd() * (i + 1));
    [listings[i], listings[j]] = [listings[j]!, listings[i]!];
  }
  const dealer = zipcodes.lookup(opts.dealerZip);
  if (!dealer) throw new Error(`dealer ZIP ${opts.dealerZip} is not in the ZIP database`);
  return {
    version: 1,
    description:
      'Synthetic DealerScope evaluation set: listings and dealer sales drawn from a known price model, with injected faults. Labels: clean or fault (kind names the fault); truth.priceCents is what the vehicle is worth.',
    generator: { program: 'eval/generate.ts', ...opts },
    referenceTime: opts.reference,
    dealer: { zip: dealer.zip, state: dealer.state, latitude: dealer.latitude, longitude: dealer.longitude },
    listings,
    sales: g.sales(),
    market: g.market(),
  };
}
