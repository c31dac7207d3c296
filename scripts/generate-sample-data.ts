// Generates the bundled SAMPLE data (synthetic, deterministic): an auction listing feed, dealer
// sales comps and market price rows. Same seed, same bytes, whenever and wherever it runs.
//
//   npm run build && node dist/scripts/generate-sample-data.js [outDir]   (default data/sample)

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeCheckDigit } from '../src/quality/vin.js';
import { seededRandom } from '../src/common/random.js';

const SEED = 20261201;
const REFERENCE = Date.UTC(2026, 11, 1); // auctions end in the 30 days after this
const REF_YEAR = 2026;
const LISTINGS = 2400;
const SALES = 3600;

const rnd = seededRandom(SEED);
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const pickChar = (s: string): string => s[Math.floor(rnd() * s.length)]!;
const chance = (p: number): boolean => rnd() < p;
function weighted<T>(items: readonly T[], weight: (t: T) => number): T {
  const total = items.reduce((s, t) => s + weight(t), 0);
  let r = rnd() * total;
  for (const t of items) if ((r -= weight(t)) < 0) return t;
  return items[items.length - 1]!;
}
function gauss(): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

type Body = 'car' | 'suv' | 'truck' | 'van';
interface Vehicle {
  make: string;
  model: string;
  body: Body;
  msrp: number;
  from: number;
  to: number;
  trims: string[];
  weight: number;
  fleet: boolean;
}

// make | model | body | new price $ | first year | last year | trims | popularity | police/fleet
const VEHICLES: Vehicle[] = `
Ford|Police Interceptor Utility|suv|47000|2013|2024|AWD/AWD Hybrid|14|y
Ford|Police Interceptor Sedan|car|31000|2013|2019|AWD|5|y
Ford|Crown Victoria|car|29000|2008|2011|Police Interceptor/LX|4|y
Ford|Explorer|suv|37000|2011|2024|Base/XLT/Limited|5|n
Ford|F-150|truck|41000|2008|2024|XL/XLT/Lariat|12|n
Ford|F-250 Super Duty|truck|47000|2008|2024|XL/XLT|7|n
Ford|F-350 Super Duty|truck|51000|2008|2024|XL/XLT|4|n
Ford|F-550 Super Duty|truck|60000|2010|2024|XL|2|n
Ford|Ranger|truck|31000|2019|2024|XL/XLT|3|n
Ford|Escape|suv|28000|2008|2024|S/SE|5|n
Ford|Expedition|suv|55000|2008|2024|XL/XLT/SSV|3|n
Ford|Transit|van|45000|2015|2024|150 Cargo/250 Cargo/350 Passenger|6|n
Ford|Transit Connect|van|29000|2010|2023|XL|3|n
Ford|E-350 Super Duty|van|37000|2008|2024|Cutaway/Cargo|3|n
Ford|Fusion|car|25000|2008|2020|S/SE/Hybrid SE|5|n
Ford|Taurus|car|28000|2010|2019|SE/SEL|3|n
Ford|Maverick|truck|26000|2022|2024|XL/XLT|2|n
Ford|Edge|suv|34000|2008|2024|SE/SEL|2|n
Chevrolet|Tahoe|suv|55000|2008|2024|LS/LT/PPV|10|y
Chevrolet|Suburban|suv|58000|2008|2024|LS/LT|3|n
Chevrolet|Silverado 1500|truck|42000|2008|2024|WT/LT|10|n
Chevrolet|Silverado 2500HD|truck|49000|2008|2024|WT/LT|7|n
Chevrolet|Silverado 3500HD|truck|54000|2008|2024|WT|3|n
Chevrolet|Colorado|truck|32000|2015|2024|WT/LT|3|n
Chevrolet|Impala|car|28000|2008|2020|LS/LT/Police|7|y
Chevrolet|Caprice PPV|car|34000|2011|2017|9C1|2|y
Chevrolet|Malibu|car|25000|2008|2024|LS/LT|5|n
Chevrolet|Equinox|suv|28000|2008|2024|LS/LT|5|n
Chevrolet|Traverse|suv|36000|2009|2024|LS/LT|3|n
Chevrolet|Express 2500|van|38000|2008|2024|Cargo/Passenger|6|n
Chevrolet|Express 3500|van|40000|2008|2024|Cargo/Cutaway|3|n
Chevrolet|Bolt EV|car|33000|2017|2023|LT|2|n
Dodge|Charger|car|33000|2011|2023|Pursuit/SXT/Police|10|y
Dodge|Durango|suv|40000|2011|2024|Pursuit/SXT/GT|4|y
Dodge|Grand Caravan|van|28000|2008|2020|SE/SXT|4|n
Dodge|Journey|suv|25000|2009|2020|SE|2|n
Ram|1500|truck|42000|2011|2024|Tradesman/Big Horn|7|n
Ram|2500|truck|49000|2011|2024|Tradesman|4|n
Ram|3500|truck|54000|2011|2024|Tradesman|2|n
Ram|ProMaster 2500|van|38000|2014|2024|Cargo High Roof|3|n
Ram|ProMaster City|van|27000|2015|2022|Tradesman|2|n
Jeep|Wrangler|suv|35000|2008|2024|Sport/Unlimited Sport|3|n
Jeep|Grand Cherokee|suv|42000|2008|2024|Laredo/Limited|3|n
Jeep|Cherokee|suv|30000|2014|2023|Sport/Latitude|3|n
Jeep|Patriot|suv|22000|2008|2017|Sport|2|n
Toyota|Camry|car|28000|2008|2024|LE/SE/Hybrid LE|6|n
Toyota|Corolla|car|22000|2008|2024|L/LE|5|n
Toyota|Prius|car|28000|2008|2024|Two/Three|4|n
Toyota|RAV4|suv|30000|2008|2024|LE/XLE/Hybrid LE|4|n
Toyota|Tacoma|truck|34000|2008|2024|SR/SR5|4|n
Toyota|Tundra|truck|45000|2008|2024|SR/SR5|3|n
Toyota|Sienna|van|38000|2008|2024|LE|2|n
Toyota|Highlander|suv|40000|2008|2024|LE/XLE|2|n
Honda|Accord|car|28000|2008|2024|LX/EX|4|n
Honda|Civic|car|24000|2008|2024|LX/EX|4|n
Honda|CR-V|suv|30000|2008|2024|LX/EX|4|n
Honda|Odyssey|van|37000|2008|2024|LX/EX|2|n
Honda|Pilot|suv|38000|2009|2024|LX/EX|2|n
Nissan|Altima|car|26000|2008|2024|S/SV|4|n
Nissan|Frontier|truck|30000|2008|2024|S/SV|3|n
Nissan|Rogue|suv|28000|2008|2024|S/SV|3|n
Nissan|Leaf|car|32000|2011|2024|S/SV|2|n
Nissan|NV200|van|25000|2013|2021|S|2|n
GMC|Sierra 1500|truck|44000|2008|2024|Base/SLE|4|n
GMC|Sierra 2500HD|truck|51000|2008|2024|Base/SLE|3|n
GMC|Savana 2500|van|38000|2008|2024|Cargo|3|n
GMC|Yukon|suv|58000|2008|2024|SLE/SLT|2|n
GMC|Canyon|truck|33000|2015|2024|SLE|2|n
Hyundai|Sonata|car|25000|2008|2024|SE/Hybrid|3|n
Hyundai|Elantra|car|21000|2008|2024|SE|3|n
Hyundai|Tucson|suv|28000|2010|2024|SE|2|n
Kia|Optima|car|24000|2011|2020|LX|2|n
Kia|Soul|car|20000|2010|2024|Base|2|n
Subaru|Outback|suv|30000|2008|2024|2.5i/Premium|2|n
Subaru|Forester|suv|28000|2008|2024|2.5i/Premium|2|n
Chrysler|300|car|32000|2008|2023|Touring/S|2|n
Chrysler|Pacifica|van|38000|2017|2024|Touring|2|n
Tesla|Model 3|car|42000|2018|2024|Standard Range/Long Range|2|n
`
  .trim()
  .split('\n')
  .map((line) => {
    const [make, model, body, msrp, from, to, trims, weight, fleet] = line.split('|');
    return {
      make: make!,
      model: model!,
      body: body as Body,
      msrp: Number(msrp),
      from: Number(from),
      to: Number(to),
      trims: trims!.split('/'),
      weight: Number(weight),
      fleet: fleet === 'y',
    };
  });

// state | weight | miles to a Los Angeles dealer | cities with a ZIP each
const STATES = `
CA|12|0|Los Angeles 90012,Sacramento 95814,Fresno 93721,San Diego 92101,Oakland 94612
TX|10|1400|Houston 77002,Dallas 75201,Austin 78701,San Antonio 78205,El Paso 79901
FL|8|2300|Jacksonville 32202,Miami 33130,Tampa 33602,Orlando 32801,Tallahassee 32301
NY|5|2500|Albany 12207,Buffalo 14202,Syracuse 13202,Rochester 14604
PA|5|2400|Harrisburg 17101,Pittsburgh 15219,Allentown 18101
IL|5|2000|Springfield 62701,Peoria 61602,Rockford 61101,Chicago 60602
OH|5|2200|Columbus 43215,Dayton 45402,Toledo 43604,Akron 44308
GA|4|2200|Atlanta 30303,Macon 31201,Savannah 31401
NC|4|2400|Raleigh 27601,Charlotte 28202,Greensboro 27401
MI|4|2300|Lansing 48933,Grand Rapids 49503,Flint 48502
NJ|3|2800|Trenton 08608,Newark 07102
VA|3|2600|Richmond 23219,Norfolk 23510,Roanoke 24011
WA|3|1150|Olympia 98501,Spokane 99201,Tacoma 98402
AZ|3|380|Phoenix 85003,Tucson 85701,Flagstaff 86001
MA|2|3000|Worcester 01608,Springfield 01103
TN|2|2000|Nashville 37219,Knoxville 37902,Memphis 38103
IN|2|2100|Indianapolis 46204,Fort Wayne 46802
MO|2|1600|Jefferson City 65101,Springfield 65806
MD|2|2650|Annapolis 21401,Baltimore 21202
WI|2|2000|Madison 53703,Green Bay 54301
CO|2|1000|Denver 80202,Colorado Springs 80903,Pueblo 81003
MN|2|1900|Saint Paul 55102,Duluth 55802
SC|2|2400|Columbia 29201,Greenville 29601
AL|2|2000|Montgomery 36104,Birmingham 35203
LA|2|1900|Baton Rouge 70802,Shreveport 71101
KY|2|2100|Frankfort 40601,Lexington 40507
OR|2|850|Salem 97301,Eugene 97401
OK|2|1350|Oklahoma City 73102,Tulsa 74103
CT|1|2900|Hartford 06103
UT|1|690|Salt Lake City 84111,Ogden 84401
IA|1|1700|Des Moines 50309
NV|1|270|Carson City 89701,Las Vegas 89101
AR|1|1700|Little Rock 72201
MS|1|1900|Jackson 39201
KS|1|1400|Topeka 66603,Wichita 67202
NM|1|800|Santa Fe 87501,Albuquerque 87102
NE|1|1500|Lincoln 68508
ID|1|900|Boise 83702
WV|1|2400|Charleston 25301
NH|0.5|3000|Concord 03301
ME|0.5|3200|Augusta 04330
MT|0.5|1200|Helena 59601
SD|0.5|1400|Pierre 57501
ND|0.5|1700|Bismarck 58501
DE|0.5|2700|Dover 19901
AK|0.3|3500|Anchorage 99501
WY|0.3|1000|Cheyenne 82001
DC|0.3|2650|Washington 20001
`
  .trim()
  .split('\n')
  .map((line) => {
    const [code, weight, miles, cities] = line.split('|');
    return {
      code: code!,
      weight: Number(weight),
      miles: Number(miles),
      cities: cities!.split(',').map((c) => ({ city: c.slice(0, -6), zip: c.slice(-5) })),
    };
  });

interface Source {
  key: string;
  name: string;
  weight: number;
  premiumPct: number;
  docFee: number;
}
const SOURCES: Source[] = [
  { key: 'govdeals', name: 'GovDeals', weight: 38, premiumPct: 12.5, docFee: 75 },
  { key: 'publicsurplus', name: 'PublicSurplus', weight: 22, premiumPct: 10, docFee: 50 },
  { key: 'gsa', name: 'GSA Auctions', weight: 14, premiumPct: 8, docFee: 100 },
  { key: 'municibid', name: 'Municibid', weight: 13, premiumPct: 12.5, docFee: 75 },
  { key: 'copart', name: 'Copart', weight: 13, premiumPct: 9.5, docFee: 89 },
];

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
const WMI: Record<string, Partial<Record<Body, string>>> = {
  Ford: { car: '1FA', suv: '1FM', truck: '1FT', van: '1FB' },
  Chevrolet: { car: '1G1', suv: '1GN', truck: '1GC', van: '1GA' },
  Dodge: { car: '2C3', suv: '1C4', van: '2C4' },
  Ram: { truck: '3C6', van: '3C6' },
  Jeep: { suv: '1C4' },
  Toyota: { car: '4T1', suv: '2T3', truck: '5TF', van: '5TD' },
  Honda: { car: '1HG', suv: '5J6', van: '5FN' },
  Nissan: { car: '1N4', suv: 'JN8', truck: '1N6', van: '3N6' },
  GMC: { suv: '1GK', truck: '1GT', van: '1GT' },
  Hyundai: { car: '5NP', suv: 'KM8' },
  Kia: { car: 'KNA' },
  Subaru: { suv: '4S4' },
  Chrysler: { car: '2C3', van: '2C4' },
  Tesla: { car: '5YJ' },
};
let serial = 100000;
/** A check-digit-valid VIN whose position 7 follows the model-year-cycle convention. */
function makeVin(v: Vehicle, year: number): string {
  const vds = Array.from({ length: 5 }, () => pickChar(VIN_CHARS));
  vds[3] = pickChar(year >= 2010 ? 'ABCDEFGHJKLMNPRSTUVWXYZ' : '0123456789');
  const body = `${WMI[v.make]![v.body] ?? '1FT'}${vds.join('')}0${YEAR_CODES[(year - 1980) % 30]}${pickChar('ABCDEFGHJKLMNPRSTUVWXYZ')}${serial++}`;
  return body.slice(0, 8) + computeCheckDigit(body)! + body.slice(9);
}

/** Retail value in dollars: ~11 %/yr depreciation, 10 ¢ per mile off the yearly norm. */
function retailValue(v: Vehicle, year: number, miles: number): number {
  const age = Math.max(0, REF_YEAR - year);
  const brand =
    (
      { Toyota: 1.12, Honda: 1.08, Subaru: 1.04, GMC: 1.04, Hyundai: 0.9, Kia: 0.88, Nissan: 0.92, Chrysler: 0.9 } as Record<string, number>
    )[v.make] ?? 1;
  const police = v.fleet ? 0.85 : 1;
  const base = v.msrp * brand * police * 0.89 ** age;
  return Math.max(1500, base - (miles - 12000 * Math.max(1, age)) * 0.1);
}
function typicalMiles(v: Vehicle, year: number): number {
  const age = Math.max(0.5, REF_YEAR - year);
  const perYear = v.fleet ? 19000 : 13000;
  return Math.max(800, Math.round(age * perYear * Math.exp(gauss() * 0.3)));
}
function pickYear(v: Vehicle, newest = false): number {
  const lo = newest ? Math.max(v.from, 2019) : v.from;
  // Auctions and used-car lots hold mostly 3–12-year-old vehicles.
  return weighted(
    Array.from({ length: v.to - lo + 1 }, (_, i) => lo + i),
    (y) => Math.exp(-((y - 2017) ** 2) / 40),
  );
}
const money = (d: number): string => d.toFixed(2);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
function csvLine(cells: Array<string | number | null>): string {
  return cells
    .map((c) => {
      const s = c === null ? '' : String(c);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}

function transportEstimate(miles: number): number {
  const rate = miles <= 500 ? 2.2 : miles <= 1000 ? 1.9 : miles <= 2000 ? 1.6 : 1.4;
  return Math.max(350, miles * rate);
}

function listingRow(i: number): Array<string | number | null> {
  const src = weighted(SOURCES, (s) => s.weight);
  const st = weighted(STATES, (s) => s.weight);
  const place = pick(st.cities);
  let v = weighted(VEHICLES, (x) => x.weight);
  // Tier decides the bid: ~5 % clearly hot, ~15 % good, the rest thin or under water.
  const roll = rnd();
  let tier: 'hot' | 'good' | 'rest' = roll < 0.075 ? 'hot' : roll < 0.225 ? 'good' : 'rest';
  while (tier === 'hot' && v.to < 2020) v = weighted(VEHICLES, (x) => x.weight);
  const year = pickYear(v, tier === 'hot');
  if (tier === 'good' && year < 2013) tier = 'rest';
  const trim = chance(0.8) ? pick(v.trims) : null;
  let miles = typicalMiles(v, year);
  if (tier === 'hot') miles = Math.round(miles * 0.6);
  const copart = src.key === 'copart';
  const titleStatus =
    tier !== 'rest'
      ? weighted(
          [
            ['Clean', 8],
            ['Clean Title', 1],
            ['CLEAN', 1],
          ] as const,
          (t) => t[1],
        )[0]
      : weighted(
          [
            ['Clean', copart ? 50 : 84],
            ['', 4],
            ['Rebuilt', copart ? 8 : 4],
            ['Salvage', copart ? 28 : 2],
            ['Salvage Certificate', copart ? 4 : 1],
            ['Flood', copart ? 10 : 1],
            ['Lemon Buyback', 0.3],
          ] as const,
          (t) => t[1],
        )[0];
  const titleFactor =
    ({ Rebuilt: 0.75, Salvage: 0.6, 'Salvage Certificate': 0.6, Flood: 0.5, 'Lemon Buyback': 0.45, '': 0.85 } as Record<string, number>)[
      titleStatus
    ] ?? 1;
  const value = retailValue(v, year, miles) * titleFactor;

  const statedPremium = src.key === 'publicsurplus' && chance(0.15) ? pick([5, 7.5, 10, 15]) : null;
  const premium = (statedPremium ?? src.premiumPct) / 100;
  const unit = int(1000, 9999);
  const fleetWords = v.fleet || chance(0.3);
  const recon = 650 + (fleetWords ? 300 : 0);
  const fixed = src.docFee + transportEstimate(st.miles) + recon;
  const bidFor = (profit: number) => Math.round((value - profit - fixed) / (1 + premium) / 25) * 25;
  // Most lots are bid up to or past what a distant dealer could make on them.
  const bid = Math.max(
    100,
    tier === 'hot'
      ? bidFor(Math.max(6500, value * (0.32 + rnd() * 0.15)))
      : tier === 'good'
        ? bidFor(Math.max(3200, value * (0.2 + rnd() * 0.06)))
        : Math.max(Math.round((value * (0.35 + rnd() * 0.55)) / 25) * 25, bidFor(2000 * rnd())),
  );

  const vin = makeVin(v, year);
  const vinMode = weighted(
    ['column', 'both', 'description', 'none'] as const,
    (m) => ({ column: 70, both: 18, description: 6, none: 6 })[m],
  );
  const mileMode = weighted(
    ['column', 'both', 'description', 'none'] as const,
    (m) => ({ column: 75, both: 15, description: 6, none: 4 })[m],
  );
  const name = `${year} ${v.make} ${v.model}${trim ? ` ${trim}` : ''}`;
  const suffix = fleetWords
    ? pick([`Fleet Unit ${unit}`, `Sheriff Unit ${unit}`, `Police Dept #${unit}`, `City Fleet ${unit}`, `Ex-Government Unit ${unit}`])
    : pick([`Unit ${unit}`, `Asset ${unit}`, 'Runs & Drives', 'Surplus Vehicle', `Stock ${unit}`]);
  const parts = [
    pick([
      'Runs and drives.',
      'Starts, runs and drives; check engine light on.',
      'Vehicle removed from service, maintained by the motor pool.',
      'Runs, minor body damage on rear bumper.',
      'Ran when parked. Battery may need a charge.',
      'Sold as-is, where-is, no warranty.',
    ]),
  ];
  if (vinMode === 'both' || vinMode === 'description') parts.push(`VIN: ${vin}.`);
  if (mileMode === 'both' || mileMode === 'description')
    parts.push(
      pick([`Odometer: ${miles.toLocaleString('en-US')}.`, `Mileage ${miles.toLocaleString('en-US')}.`, `Odometer reads ${miles} miles.`]),
    );
  if (fleetWords)
    parts.push(pick(['Equipment removed, holes in roof and dash.', 'Spotlight and push bar removed.', 'Decals removed, some shadowing.']));
  if (statedPremium !== null) parts.push(`\nBuyers Premium of ${statedPremium}% will be added to the final bid, $1 minimum.`);
  if (chance(0.1)) parts.push('\nPickup by appointment, Mon-Fri 8am-3pm; bring a trailer, keys are with the fleet office.');

  const lotId =
    src.key === 'govdeals'
      ? `${int(1000, 9999)}-${20000 + i}`
      : src.key === 'publicsurplus'
        ? String(3_400_000 + i * 7)
        : src.key === 'gsa'
          ? `41QSCI26${String(100000 + i)}`
          : src.key === 'municibid'
            ? `MB-${50000 + i}`
            : String(70_000_000 + i * 13);
  const url =
    src.key === 'govdeals'
      ? `https://www.govdeals.com/asset/${lotId.split('-')[1]}/${lotId.split('-')[0]}`
      : src.key === 'publicsurplus'
        ? `https://www.publicsurplus.com/sms/auction/view?auc=${lotId}`
        : src.key === 'gsa'
          ? `https://www.gsaauctions.gov/auctions/preview/${lotId}`
          : src.key === 'municibid'
            ? `https://municibid.com/Listing/Details/${lotId.slice(3)}`
            : `https://www.copart.com/lot/${lotId}`;
  const end = REFERENCE + int(0, 30 * 24 * 60 - 1) * 60_000;
  return [
    src.name,
    lotId,
    `${name} - ${suffix}`,
    year,
    v.make,
    v.model,
    trim,
    vinMode === 'column' || vinMode === 'both' ? vin : null,
    mileMode === 'column' || mileMode === 'both' ? (chance(0.5) ? miles.toLocaleString('en-US') : miles) : null,
    chance(0.3) ? `$${bid.toLocaleString('en-US')}.00` : money(bid),
    iso(end),
    place.city,
    st.code,
    place.zip,
    url,
    titleStatus,
    parts.join(' '),
    statedPremium,
    null,
  ];
}

function saleRow(): Array<string | number | null> {
  const v = weighted(VEHICLES, (x) => x.weight);
  const year = pickYear(v);
  const miles = typicalMiles(v, year);
  const price = Math.round((retailValue(v, year, miles) * Math.exp(gauss() * 0.06)) / 50) * 50;
  const st = weighted(STATES, (s) => s.weight * (s.code === 'CA' ? 3 : 1));
  const place = pick(st.cities);
  const sold = Date.UTC(2026, 4, 1) + int(0, 196) * 86_400_000; // May 1 – Nov 13, 2026
  return [
    chance(0.85) ? makeVin(v, year) : null,
    year,
    v.make,
    v.model,
    money(price),
    iso(sold).slice(0, 10),
    miles,
    pick(['Excellent', 'Good', 'Good', 'Fair']),
    `${place.city}, ${st.code}`,
    st.code,
  ];
}

function marketRows(): Array<Array<string | number | null>> {
  const rows: Array<Array<string | number | null>> = [];
  for (const v of VEHICLES) {
    for (let year = Math.max(v.from, 2012); year <= v.to; year += 2) {
      const avg = Math.round(retailValue(v, year, 13000 * Math.max(1, REF_YEAR - year)) * (1 + gauss() * 0.03));
      rows.push([v.make, v.model, year, null, avg, Math.round(avg * 0.84), Math.round(avg * 1.14), int(6, 40)]);
    }
  }
  return rows;
}

const outDir = process.argv[2] ?? join(process.cwd(), 'data', 'sample');
mkdirSync(outDir, { recursive: true });
const listingHeader = [
  'source',
  'lot_id',
  'title',
  'year',
  'make',
  'model',
  'trim',
  'vin',
  'mileage',
  'current_bid',
  'auction_end',
  'city',
  'state',
  'zip',
  'listing_url',
  'title_status',
  'description',
  'buyer_premium_pct',
  'doc_fee',
];
const listings = Array.from({ length: LISTINGS }, (_, i) => listingRow(i));
const sales = Array.from({ length: SALES }, () => saleRow());
const market = marketRows();
const write = (file: string, header: string[], rows: Array<Array<string | number | null>>) =>
  writeFileSync(join(outDir, file), [csvLine(header), ...rows.map(csvLine)].join('\n') + '\n');
write('listings.csv', listingHeader, listings);
write('comps.csv', ['VIN', 'Year', 'Make', 'Model', 'Sale Price', 'Sale Date', 'Mileage', 'Condition', 'Location', 'State'], sales);
write('market-prices.csv', ['make', 'model', 'year', 'trim', 'avg', 'low', 'high', 'sample_size'], market);
console.log(`wrote ${listings.length} listings, ${sales.length} dealer sales, ${market.length} market rows to ${outDir}`);
