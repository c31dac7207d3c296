// Re-appraisal when the engine's parameters or the comps change: the skip-by-content-hash knows
// which engine priced a listing, and `reappraise` reaches every stale listing at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams, type ArbitrageParams } from '../src/config/arbitrage.js';
import { importCompsFile, importListingFeed } from '../src/ingest/import-service.js';
import { reappraiseAll } from '../src/quality/reappraise.js';
import { createTestDb, type TestDb } from './support/databases.js';

const NOW = Date.UTC(2026, 10, 20);
const rows = Array.from({ length: 5 }, (_, i) => ({
  source: 'govdeals',
  lot_id: `RP-${i}`,
  title: '2019 Ford F-150',
  year: 2019,
  make: 'Ford',
  model: 'F-150',
  mileage: 60_000 + i * 1000,
  current_bid: 9000 + i * 100,
  auction_end: '2026-12-10T18:00:00Z',
  state: 'TX',
  zip: '75201',
}));
const feed = JSON.stringify(rows);

describe('re-appraisal', () => {
  let tdb: TestDb;
  const base = defaultArbitrageParams();
  const withFee = (pct: number): ArbitrageParams => ({
    ...base,
    fees: {
      ...base.fees,
      sources: {
        ...base.fees.sources,
        govdeals: { buyerPremium: { tiers: [{ upToCents: null, pct }], minimumCents: 0, capCents: null }, docFeeCents: 7500 },
      },
    },
  });
  const premium = async (lot: string) =>
    Number(
      (await tdb.db.kysely.selectFrom('opportunities').select('buyer_premium_cents').where('lot_id', '=', lot).executeTakeFirstOrThrow())
        .buyer_premium_cents,
    );

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('an unchanged listing is skipped only while the same engine would price it', async () => {
    const first = await importListingFeed(tdb.db, feed, 'json', { origin: 'a.json', now: NOW, params: base, vinDecoder: null });
    expect(first.created).toBe(5);
    expect((await importListingFeed(tdb.db, feed, 'json', { origin: 'a.json', now: NOW, params: base, vinDecoder: null })).unchanged).toBe(
      5,
    );
    // An operator raises GovDeals' premium to 15 %: the same file re-prices every lot.
    const after = await importListingFeed(tdb.db, feed, 'json', { origin: 'a.json', now: NOW, params: withFee(15), vinDecoder: null });
    expect(after).toMatchObject({ updated: 5, unchanged: 0 });
    expect(await premium('RP-0')).toBe(135_000); // 15 % of $9,000
  });

  it('a comps import changes the engine fingerprint, so the next import re-prices the rest', async () => {
    const comps = ['VIN,Year,Make,Model,Sale Price,Sale Date,Mileage', '1FTEW1EP5KFA00001,2019,Ford,F-150,24000,10/1/2026,60000'].join(
      '\n',
    );
    await importCompsFile(tdb.db, comps, { origin: 'c.csv', now: NOW, params: withFee(15), vinDecoder: null });
    // The comps import re-priced the F-150s it touched; a re-import finds them priced by the current engine.
    expect(
      (await importListingFeed(tdb.db, feed, 'json', { origin: 'a.json', now: NOW, params: withFee(15), vinDecoder: null })).unchanged,
    ).toBe(5);
  });

  it('reappraise reaches every stale listing now, with progress, and then none is stale', async () => {
    const progress: Array<[number, number]> = [];
    const res = await reappraiseAll(tdb.db, {
      params: withFee(10),
      now: NOW,
      anomalyDetection: true,
      staleOnly: true,
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(res.reappraised).toBe(5);
    expect(progress.at(-1)).toEqual([5, 5]);
    expect(await premium('RP-0')).toBe(90_000);
    expect((await reappraiseAll(tdb.db, { params: withFee(10), now: NOW, anomalyDetection: true, staleOnly: true })).reappraised).toBe(0);
    // And the next import of the unchanged file skips them again.
    expect(
      (await importListingFeed(tdb.db, feed, 'json', { origin: 'a.json', now: NOW, params: withFee(10), vinDecoder: null })).unchanged,
    ).toBe(5);
  });
});
