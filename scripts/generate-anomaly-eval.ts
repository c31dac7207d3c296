// Writes data/quality/anomaly-eval.json: a labelled evaluation set for the anomaly detector —
// clean, realistic public-auction listings plus injected anomalies of several kinds — and the
// market price rows it is valued against. Seeded and dated, so every run writes the same bytes.
//   npx tsc --outDir /tmp/eval-gen --module nodenext --moduleResolution nodenext --target es2022 \
//     --skipLibCheck scripts/generate-anomaly-eval.ts && node /tmp/eval-gen/scripts/generate-anomaly-eval.js   (run from the repository root)
import { writeFileSync } from 'node:fs';
import { computeCheckDigit } from '../src/quality/vin.js';
import { seededRandom } from '../src/common/random.js';

const SEED = 20261115;
const REFERENCE = Date.UTC(2026, 10, 15);
const CLEAN = 600;
const PER_KIND = 8;
const rnd = seededRandom(SEED);
const between = (a: number, b: number) => a + rnd() * (b - a);
const int = (a: number, b: number) => Math.floor(between(a, b + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

// make, model, WMI, new price (dollars), has market rows
const MODELS: Array<[string, string, string, number, boolean]> = [
  ['Ford', 'F-150', '1FT', 46_000, true],
  ['Chevrolet', 'Tahoe', '1GN', 56_000, true],
  ['Ford', 'Police Interceptor Utility', '1FM', 43_000, true],
  ['Dodge', 'Charger', '2C3', 36_000, true],
  ['Toyota', 'Camry', '4T1', 27_000, true],
  ['Honda', 'Accord', '1HG', 28_000, true],
  ['Ram', '1500', '1C6', 42_000, true],
  ['Chevrolet', 'Impala', '2G1', 29_000, true],
  ['Ford', 'Transit', '1FT', 41_000, false],
  ['Jeep', 'Wrangler', '1C4', 38_000, true],
  ['Chevrolet', 'Silverado 1500', '1GC', 45_000, true],
  ['Ford', 'Explorer', '1FM', 39_000, false],
];
const PLACES: Array<[string, string, string]> = [
  ['Houston', 'TX', '77002'],
  ['Dallas', 'TX', '75201'],
  ['Los Angeles', 'CA', '90012'],
  ['Sacramento', 'CA', '95814'],
  ['Miami', 'FL', '33128'],
  ['Orlando', 'FL', '32801'],
  ['Albany', 'NY', '12207'],
  ['Phoenix', 'AZ', '85003'],
  ['Seattle', 'WA', '98104'],
  ['Atlanta', 'GA', '30303'],
  ['Columbus', 'OH', '43215'],
  ['Denver', 'CO', '80202'],
  ['Las Vegas', 'NV', '89101'],
  ['Nashville', 'TN', '37201'],
  ['Raleigh', 'NC', '27601'],
  ['Chicago', 'IL', '60602'],
];
const SOURCES: Array<[string, string]> = [
  ['GovDeals', 'https://www.govdeals.com/asset/'],
  ['PublicSurplus', 'https://www.publicsurplus.com/sms/auction/view?auc='],
  ['GSA Auctions', 'https://gsaauctions.gov/auctions/preview/'],
];
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const REF_YEAR = new Date(REFERENCE).getUTCFullYear();

function vinFor(wmi: string, year: number): string {
  const code = YEAR_CODES[(year - 1980) % 30]!;
  const body = `${wmi}${Array.from({ length: 5 }, () => pick([...VIN_CHARS])).join('')}0${code}${pick([...'ABCDEFGHKLMNPRSTUVWXYZ'])}${String(int(100000, 999999))}`;
  return body.slice(0, 8) + computeCheckDigit(body)! + body.slice(9);
}

const valueOf = (newPrice: number, year: number) => newPrice * 0.89 ** Math.max(0, REF_YEAR - year);
let lotSeq = 0;

interface Row {
  [k: string]: string | number | null;
}
function cleanRow(): { row: Row; value: number; age: number; wmi: string } {
  const [make, model, wmi, newPrice] = pick(MODELS);
  const year = int(2012, 2024);
  const age = REF_YEAR - year;
  const titleStatus = rnd() < 0.06 ? 'Rebuilt' : 'Clean';
  const value = valueOf(newPrice, year) * (titleStatus === 'Rebuilt' ? 0.75 : 1);
  const mileage = Math.round(Math.max(1, age) * between(9_000, 22_000) + between(0, 5_000));
  const bid = Math.max(25, Math.round((value * between(0.35, 0.9)) / 25) * 25);
  const [city, state, zip] = pick(PLACES);
  const [source, url] = pick(SOURCES);
  const lot = `EV-${String(++lotSeq).padStart(5, '0')}`;
  const vin = rnd() < 0.05 ? null : vinFor(wmi, year);
  const row: Row = {
    source,
    lot_id: lot,
    title: `${year} ${make} ${model}`,
    year,
    make,
    model,
    trim: null,
    vin,
    mileage,
    current_bid: bid,
    auction_end: new Date(REFERENCE + Math.round(between(1, 28) * 86_400_000)).toISOString(),
    city,
    state,
    zip,
    listing_url: `${url}${lot}`,
    title_status: titleStatus,
    description: `${year} ${make} ${model}, ${titleStatus.toLowerCase()} title. Odometer: ${mileage.toLocaleString('en-US')}. Runs and drives; fleet maintained.`,
  };
  return { row, value, age, wmi };
}

type Labelled = { label: 'clean' | 'anomaly'; kind: string | null; row: Row };
const out: Labelled[] = [];
for (let i = 0; i < CLEAN; i++) out.push({ label: 'clean', kind: null, row: cleanRow().row });

const inject: Record<string, () => Row[]> = {
  nominal_bid: () => {
    const c = cleanRow();
    c.row.year = int(2019, 2024);
    c.row.current_bid = pick([0, 1]);
    return [c.row];
  },
  mileage_for_age: () => {
    const c = cleanRow();
    c.row.mileage = Math.round((c.age + 1) * between(80_000, 140_000));
    return [c.row];
  },
  vin_year_mismatch: () => {
    const c = cleanRow();
    c.row.vin = vinFor(c.wmi, Number(c.row.year) - int(2, 5));
    return [c.row];
  },
  price_vs_comps: () => {
    let c = cleanRow();
    while (!MODELS.find((m) => m[1] === c.row.model)![4]) c = cleanRow();
    c.row.current_bid = Math.round(c.value * between(2.5, 8));
    return [c.row];
  },
  duplicate_vin: () => {
    const a = cleanRow();
    const b = cleanRow();
    b.row.vin = a.row.vin ?? vinFor(a.wmi, Number(a.row.year));
    a.row.vin = b.row.vin;
    return [a.row, b.row];
  },
  auction_ended: () => {
    const c = cleanRow();
    c.row.auction_end = new Date(REFERENCE - Math.round(between(0.1, 20) * 86_400_000)).toISOString();
    return [c.row];
  },
  // Models without market rows, so only the cohort statistics can see it.
  bid_cohort_outlier: () => {
    let c = cleanRow();
    while (MODELS.find((m) => m[1] === c.row.model)![4]) c = cleanRow();
    c.row.current_bid = Math.round(c.value * between(3, 6));
    return [c.row];
  },
  mileage_cohort_outlier: () => {
    let c = cleanRow();
    while (c.age < 6) c = cleanRow();
    c.row.mileage = Math.round(c.age * between(42_000, 52_000));
    return [c.row];
  },
};
for (const [kind, make] of Object.entries(inject)) {
  for (let i = 0; i < (kind === 'duplicate_vin' ? PER_KIND / 2 : PER_KIND); i++) {
    for (const row of make()) out.push({ label: 'anomaly', kind, row });
  }
}
// Shuffle (Fisher–Yates) so anomalies are not bunched at the end.
for (let i = out.length - 1; i > 0; i--) {
  const j = Math.floor(rnd() * (i + 1));
  [out[i], out[j]] = [out[j]!, out[i]!];
}
const comps = MODELS.filter((m) => m[4]).flatMap(([make, model, , newPrice]) =>
  Array.from({ length: 2025 - 2010 }, (_, k) => {
    const year = 2010 + k;
    const avg = Math.round(valueOf(newPrice, year));
    return { make, model, year, trim: null, avg, low: Math.round(avg * 0.85), high: Math.round(avg * 1.15), sample_size: 10 };
  }),
);
const doc = {
  description:
    'Labelled anomaly-detection evaluation set (synthetic). Listings use the listing-feed keys of docs/commands.md; label is clean or anomaly, kind names the injected fault.',
  generator: 'scripts/generate-anomaly-eval.ts',
  seed: SEED,
  referenceTime: new Date(REFERENCE).toISOString(),
  counts: { clean: out.filter((o) => o.label === 'clean').length, anomaly: out.filter((o) => o.label === 'anomaly').length },
  listings: out,
  marketPrices: comps,
};
const target = process.argv[2] ?? 'data/quality/anomaly-eval.json';
writeFileSync(target, `${JSON.stringify(doc, null, 1)}\n`);
console.log(`wrote ${out.length} listings (${doc.counts.clean} clean, ${doc.counts.anomaly} anomalies) and ${comps.length} market rows`);
