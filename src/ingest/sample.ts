// The bundled sample feed: imported on first start into an empty database, labelled as sample.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArbitrageParams } from '../config/arbitrage.js';
import { packageRoot } from '../shared/paths.js';
import type { Db } from '../storage/db.js';
import { importCompsFile, importListingFeed, type ImportOptions } from './import-service.js';

export const sampleDir = () => join(packageRoot(), 'data', 'sample');

export async function databaseIsEmpty(db: Db): Promise<boolean> {
  const row = await db.kysely.selectFrom('listings').select('id').limit(1).executeTakeFirst();
  return !row;
}

export async function importSampleData(db: Db, params: ArbitrageParams, now: number, log: (msg: string) => void = () => {}, flags?: ImportOptions['flags']): Promise<{ listings: number; comps: number }> {
  const dir = sampleDir();
  let comps = 0;
  for (const file of ['comps.csv', 'market-prices.csv']) {
    const res = await importCompsFile(db, readFileSync(join(dir, file)), { origin: 'sample', isSample: true, now, params, flags });
    comps += res.inserted;
  }
  const res = await importListingFeed(db, readFileSync(join(dir, 'listings.csv')), 'csv', {
    origin: 'sample', isSample: true, now, params, flags,
    onProgress: (done, total) => { if (done === total || done % 1000 === 0) log(`sample listings ${done}/${total}`); },
  });
  return { listings: res.created + res.updated, comps };
}
