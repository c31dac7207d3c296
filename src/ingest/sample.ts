// The bundled sample feed: imported on first start into an empty database, labelled as sample.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArbitrageParams } from '../config/index.js';
import { packageRoot } from '../common/paths.js';
import type { Db } from '../storage/index.js';
import { importCompsFile, importListingFeed, type ImportOptions } from './import-service.js';

export const sampleDir = () => join(packageRoot(), 'data', 'sample');

/** The first day of the sample's auction month: the generator's fixed reference date. */
export const SAMPLE_REFERENCE_MS = Date.UTC(2026, 11, 1);
const DAY_MS = 86_400_000;

export async function databaseIsEmpty(db: Db): Promise<boolean> {
  const row = await db.kysely.selectFrom('listings').select('id').limit(1).executeTakeFirst();
  return !row;
}

/**
 * Whole days to move the sample forward so that none of its auctions has ended at `now`: the
 * files are generated once, for a fixed month, and a sample whose auctions have all ended would
 * show an empty list (ended auctions leave the lists). Sale dates move by the same days, so every
 * comparable keeps its age relative to the auctions.
 */
export function sampleShiftDays(now: number): number {
  return now <= SAMPLE_REFERENCE_MS ? 0 : Math.ceil((now - SAMPLE_REFERENCE_MS) / DAY_MS);
}

const shiftIso = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY_MS).toISOString().replace('.000Z', 'Z');

/** The listing feed with every auction end (`YYYY-MM-DDTHH:MM:SSZ`) moved `days` forward. */
export function shiftListingFeed(csv: string, days: number): string {
  if (days === 0) return csv;
  return csv.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\b/g, (iso) => shiftIso(iso, days));
}

/** The dealer sales with every sale date (a `YYYY-MM-DD` column) moved `days` forward. */
export function shiftCompsFile(csv: string, days: number): string {
  if (days === 0) return csv;
  return csv.replace(
    /(^|,)(\d{4}-\d{2}-\d{2})(?=,|$)/gm,
    (_m, lead: string, date: string) => lead + shiftIso(`${date}T00:00:00Z`, days).slice(0, 10),
  );
}

export async function importSampleData(
  db: Db,
  params: ArbitrageParams,
  now: number,
  log: (msg: string) => void = () => {},
  flags?: ImportOptions['flags'],
  snapshots?: ImportOptions['snapshots'],
): Promise<{ listings: number; comps: number; shiftedDays: number }> {
  const dir = sampleDir();
  const days = sampleShiftDays(now);
  if (days > 0) log(`Sample dates moved ${days} day(s) forward so its auctions are still open.`);
  let comps = 0;
  for (const file of ['comps.csv', 'market-prices.csv']) {
    const raw = readFileSync(join(dir, file), 'utf8');
    const content = file === 'comps.csv' ? shiftCompsFile(raw, days) : raw;
    const res = await importCompsFile(db, Buffer.from(content), { origin: 'sample', isSample: true, now, params, flags });
    comps += res.inserted;
  }
  const listings = shiftListingFeed(readFileSync(join(dir, 'listings.csv'), 'utf8'), days);
  const res = await importListingFeed(db, Buffer.from(listings), 'csv', {
    origin: 'sample',
    isSample: true,
    now,
    params,
    flags,
    // Kept like any imported feed, so the sample's provenance points at bytes that can be verified.
    snapshots,
    onProgress: (done, total) => {
      if (done === total || done % 1000 === 0) log(`sample listings ${done}/${total}`);
    },
  });
  return { listings: res.created + res.updated, comps, shiftedDays: days };
}
