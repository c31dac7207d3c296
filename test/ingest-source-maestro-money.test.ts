// GovDeals/AllSurplus prices a dealer acts on: a lot nobody has bid on that says currentBid 0 is
// priced at its opening bid (a $0 bid overstated its profit), and an amount with no currencyCode
// is read as dollars only on GovDeals, saying so; on AllSurplus, which lists other currencies, it
// is skipped.
import type { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStoredFields } from '../src/quality/index.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { API_KEY, fixtureRunner, NOW } from './support/source-fixtures.js';

describe('maestro amounts', () => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  // Lots 1 and 3 have no bids yet.
  const govdeals = makeLots(4, 61, NOW, {}, [1, 3]);
  const allsurplus = makeLots(3, 62, NOW);
  const lotId = (id: number) => `${9000 + (id % 7)}-${50_000 + id}`;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    site = await startAuctionSite({
      now: NOW,
      govdeals,
      allsurplus,
      apiKey: API_KEY,
      maestro: { zeroBidWhenNone: true, noCurrencyCode: [0] },
    });
    runner = fixtureRunner(site, tdb.db, { seed: 6 });
  });
  afterAll(async () => {
    await runner.close();
    await site.close();
    await tdb.drop();
  });

  const bidOf = async (source: string, id: number) => {
    const row = await tdb.db.kysely
      .selectFrom('listings')
      .select('current_bid_cents')
      .where('source', '=', source)
      .where('lot_id', '=', lotId(id))
      .executeTakeFirst();
    return row ? Number(row.current_bid_cents) : null;
  };
  const bidProvenance = async (source: string, id: number) => {
    const row = await tdb.db.kysely
      .selectFrom('quality_provenance')
      .select('fields_json')
      .where('source', '=', source)
      .where('lot_id', '=', lotId(id))
      .executeTakeFirstOrThrow();
    return readStoredFields(row.fields_json).currentBidCents!;
  };

  it('prices an unbid lot that says currentBid 0 at its opening bid', async () => {
    const report = await runner.run('govdeals');
    expect(report).toMatchObject({ outcome: 'ok', accepted: 4 });
    for (const i of [1, 3]) {
      const lot = govdeals[i]!;
      expect(await bidOf('govdeals', lot.id)).toBe(lot.bid * 100);
      expect(await bidProvenance('govdeals', lot.id)).toMatchObject({
        m: 'default',
        a: expect.stringMatching(/currentBid is 0 with no bids/),
      });
    }
    expect(await bidOf('govdeals', govdeals[2]!.id)).toBe(govdeals[2]!.bid * 100);
    // GovDeals lot 0 has no currencyCode: dollars, and the record says it was assumed.
    expect(await bidProvenance('govdeals', govdeals[0]!.id)).toMatchObject({ a: expect.stringMatching(/no currencyCode/) });
  });

  it('skips an AllSurplus lot with no currencyCode rather than reading it as dollars', async () => {
    const report = await runner.run('allsurplus');
    expect(report).toMatchObject({ outcome: 'ok', accepted: 2, skipped: 1 });
    expect(report.skippedByReason).toEqual({ 'no currencyCode': 1 });
    expect(await bidOf('allsurplus', allsurplus[0]!.id)).toBeNull();
  });
});
