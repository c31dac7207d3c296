// A realistic listing feed for the ingest benchmark: every column the feed reader knows, VINs
// with valid check digits on most rows, descriptions, a few bad rows (rejected) and repeated
// lots (superseded), deterministic for a seed. Written row by row, so a million-row file costs
// no memory to make.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seededRandom } from '../src/common/random.js';
import { computeCheckDigit } from '../src/quality/vin.js';
import { BENCH_MODELS, BENCH_STATES } from './seed.js';

const SOURCES = ['GovDeals', 'PublicSurplus', 'GSA Auctions'];
const TITLES = ['Clean', 'Clean', 'Clean', 'Clean', 'Rebuilt', 'Salvage', 'SF-97'];
const CITIES = ['Austin', 'Phoenix', 'Sacramento', 'Orlando', 'Albany', 'Denver', 'Reno', 'Salem', 'Dayton', 'Macon'];
const TRIMS = ['XL', 'LT', 'SE', 'Police Interceptor', 'Base', 'Sport', null];
// World manufacturer identifier + vehicle descriptor (8 characters) per bench make.
const VIN_HEADS: Record<string, string> = {
  Ford: '1FTFW1E5',
  Chevrolet: '1GNSKBKC',
  Dodge: '2C3CDXAT',
  Toyota: '4T1BF1FK',
  Honda: '1HGCV1F3',
  Ram: '1C6RR7LT',
  Jeep: '1C4HJXDG',
  Nissan: '1N4BL4BV',
  GMC: '1GTU9BED',
};
// A ZIP prefix range inside each bench state, so the data contract's ZIP/state rule passes.
const ZIP_PREFIXES: Record<string, [number, number]> = {
  CA: [900, 961],
  TX: [750, 799],
  FL: [320, 349],
  NY: [100, 149],
  AZ: [850, 865],
  WA: [980, 994],
  GA: [300, 319],
  OH: [430, 459],
  NV: [889, 898],
  CO: [800, 816],
  OR: [970, 979],
  UT: [840, 847],
  NM: [870, 884],
  TN: [370, 385],
  NC: [270, 289],
};
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';

export const FEED_HEADER =
  'source,lot_id,title,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status,description';

function vinFor(make: string, year: number, serial: number): string {
  const code = YEAR_CODES[(year - 2010 + 30) % 30]!;
  const body = `${VIN_HEADS[make] ?? '1FTFW1E5'}0${code}A${String(serial % 1_000_000).padStart(6, '0')}`;
  return body.slice(0, 8) + computeCheckDigit(body)! + body.slice(9);
}

const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One CSV line (no newline) for row `i`; about 1 in 400 rows is malformed, 1 in 200 repeats an earlier lot. */
export function feedLine(i: number, rnd: () => number, reference: number, lotPrefix = 'L'): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const [make, model] = pick(BENCH_MODELS);
  const year = 2008 + Math.floor(rnd() * 17);
  const trim = pick(TRIMS);
  const mileage = 15_000 + Math.floor(rnd() * 180_000);
  const bid = 500 + Math.floor(rnd() * 25_000);
  const lot = i > 200 && rnd() < 0.005 ? i - 100 : i;
  // About 1 in 100 auctions ended hours ago (flagged, still stored); the rest end within a month.
  const ends = new Date(reference + Math.floor((rnd() < 0.01 ? -0.5 : rnd() * 30 + 0.1) * 86_400_000)).toISOString();
  const vin = rnd() < 0.85 ? vinFor(make, year, i) : '';
  const city = pick(CITIES);
  const state = rnd() < 0.0025 ? 'XX' : pick(BENCH_STATES);
  const [lo, hi] = ZIP_PREFIXES[state] ?? [750, 799];
  const zip = String((lo + Math.floor(rnd() * (hi - lo + 1))) * 100 + Math.floor(rnd() * 100)).padStart(5, '0');
  const description = `${year} ${make} ${model}${trim ? ` ${trim}` : ''}, ${mileage.toLocaleString('en-US')} miles, runs and drives. Fleet maintained; sold as is, where is.`;
  return [
    pick(SOURCES),
    `${lotPrefix}${lot}`,
    `${year} ${make} ${model}`,
    String(year),
    make,
    model,
    trim ?? '',
    vin,
    rnd() < 0.1 ? '' : String(mileage),
    `$${bid.toLocaleString('en-US')}.00`,
    ends,
    city,
    state,
    zip,
    `https://auctions.example.com/lot/${lotPrefix === 'L' ? '' : lotPrefix}${lot}`,
    pick(TITLES),
    description,
  ]
    .map(quote)
    .join(',');
}

/**
 * Writes `rows` listings as CSV (or a JSON array of objects) to `path`, honouring backpressure.
 * Another `seed` gives other units of the same fleets (VINs of the same patterns, other serials);
 * another `lotPrefix` ("M": lots M0, M1, …) makes them new lots rather than updates.
 */
export async function writeFeedFile(
  path: string,
  rows: number,
  opts: { seed?: number; format?: 'csv' | 'json'; reference?: number; lotPrefix?: string } = {},
): Promise<void> {
  const rnd = seededRandom(opts.seed ?? 7);
  const reference = opts.reference ?? Date.now();
  const out = createWriteStream(path);
  const columns = FEED_HEADER.split(',');
  const json = opts.format === 'json';
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(json ? '[\n' : `${FEED_HEADER}\n`);
  for (let i = 0; i < rows; i++) {
    const line = feedLine(i, rnd, reference, opts.lotPrefix);
    if (!json) {
      await write(`${line}\n`);
      continue;
    }
    const cells = parseCsvLine(line);
    await write(`${i ? ',\n' : ''}${JSON.stringify(Object.fromEntries(columns.map((c, k) => [c, cells[k] ?? ''])))}`);
  }
  await write(json ? '\n]\n' : '');
  out.end();
  await once(out, 'finish');
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let k = 0; k < line.length; k++) {
    const ch = line[k]!;
    if (quoted) {
      if (ch === '"' && line[k + 1] === '"') {
        cur += '"';
        k++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
