// Each auction source adapter end to end: the fixture site (shaped like the live sites) →
// polite fetcher → adapter → the one ingestion pipeline → a real SQLite (and PostgreSQL) database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { parseSourcesConfig, type SourceConfig } from '../src/ingest/sources/config.js';
import { SourceLayoutError } from '../src/ingest/sources/types.js';
import { systemClock } from '../src/shared/clock.js';
import { seededRandom } from '../src/shared/random.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';

const pgOk = await requirePostgres();
const NOW = Date.now();
const lots = {
  govdeals: makeLots(60, 1, NOW, { 3: 'not-a-vehicle', 7: 'sold' }),
  publicsurplus: makeLots(30, 2, NOW, { 5: 'no-price' }),
  gsa: makeLots(12, 3, NOW, { 2: 'closed' }),
  feed: makeLots(6, 4, NOW, { 1: 'not-a-vehicle' }),
};
const good = (l: typeof lots.gsa) => l.filter((x) => !x.rejectBecause);

function config(site: FixtureSite, extra: Partial<SourceConfig>[] = []) {
  const fast = { delayMs: 0, backoffBaseMs: 1, timeoutMs: 5_000 };
  return parseSourcesConfig({
    sources: [
      { name: 'govdeals', kind: 'govdeals', url: `${site.url}/govdeals/search`, siteUrl: 'https://www.govdeals.com', intervalSeconds: 60, pageSize: 25, allowHosts: ['127.0.0.1', 'www.govdeals.com'], etiquette: fast },
      { name: 'publicsurplus', kind: 'publicsurplus', url: `${site.url}/ps/sms/browse/cataucs?catid=4`, intervalSeconds: 60, etiquette: fast },
      { name: 'gsa', kind: 'gsa', url: `${site.url}/gsa/auctions`, intervalSeconds: 60, etiquette: fast },
      { name: 'feed', kind: 'feed', url: `${site.url}/feeds/lots.csv`, intervalSeconds: 60, etiquette: fast },
      { name: 'ps-changed', kind: 'publicsurplus', url: `${site.url}/ps-changed/sms/browse/cataucs`, intervalSeconds: 60, etiquette: fast },
      { name: 'gd-malformed', kind: 'govdeals', url: `${site.url}/govdeals-malformed/search`, intervalSeconds: 60, etiquette: fast },
      ...extra,
    ],
  }, { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
}

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('source adapters into $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    site = await startAuctionSite({ now: NOW, ...lots });
    runner = new SourceRunner(config(site), { db: tdb.db, clock: systemClock, random: seededRandom(7), params: defaultArbitrageParams, renderer: null });
  });
  afterAll(async () => {
    if (!run) return;
    await runner.close();
    await site.close();
    await tdb.drop();
  });

  const listings = (source: string) => tdb.db.kysely.selectFrom('listings').selectAll().where('source', '=', source).execute();
  const rejects = (importId: number) => tdb.db.kysely.selectFrom('import_rejects').selectAll().where('import_id', '=', importId).execute();

  it.runIf(run)('GovDeals: pages by x-total-count, VIN and odometer from the long description, non-vehicles and sold lots rejected', async () => {
    const report = await runner.run('govdeals');
    expect(report.pages).toBe(Math.ceil(lots.govdeals.length / 25));
    expect(report.accepted).toBe(good(lots.govdeals).length);
    expect(report.quarantined).toBe(0);
    expect(report.provenanceRecorded).toBeGreaterThan(0);
    const rows = await listings('govdeals');
    expect(rows).toHaveLength(good(lots.govdeals).length);
    for (const lot of good(lots.govdeals)) {
      const row = rows.find((r) => r.lot_id.endsWith(`-${lot.id}`));
      expect(row, `lot ${lot.id}`).toBeDefined();
      expect([row!.vin, row!.mileage, row!.make, row!.model, row!.year, row!.state]).toEqual([lot.vin, lot.mileage, lot.make, lot.model, lot.year, lot.state]);
      expect(Number(row!.current_bid_cents)).toBe(lot.bid * 100);
      expect(row!.listing_url).toMatch(/^https:\/\/www\.govdeals\.com\/asset\//);
    }
    const kept = await rejects(report.importId);
    expect(kept.map((r) => r.reason).sort()).toEqual([expect.stringMatching(/isSoldAuction/), expect.stringMatching(/make/)].sort());
  });

  it.runIf(run)('GovDeals again: conditional GET answers 304 and nothing changes', async () => {
    const report = await runner.run('govdeals');
    expect(report.notModified).toBe(report.pages);
    expect([report.created, report.updated, report.unchanged]).toEqual([0, 0, good(lots.govdeals).length]);
    expect(site.requests.filter((r) => r.path.startsWith('/govdeals/search') && r.status === 304)).toHaveLength(report.pages);
    expect(site.requests.filter((r) => r.headers['if-none-match']).length).toBeGreaterThanOrEqual(report.pages);
  });

  it.runIf(run)('PublicSurplus: cards, detail pages and the buyer premium from the terms text', async () => {
    const report = await runner.run('publicsurplus');
    expect(report.accepted).toBe(good(lots.publicsurplus).length);
    const rows = await listings('publicsurplus');
    for (const lot of good(lots.publicsurplus)) {
      const row = rows.find((r) => r.lot_id === String(lot.id));
      expect([row?.vin, row?.mileage, row?.make, row?.state, row?.zip, row?.city]).toEqual([lot.vin, lot.mileage, lot.make, lot.state, lot.zip, lot.city]);
      expect(Number(row!.auction_end_ms)).toBe(lot.endsAt);
      expect(row!.buyer_premium_bp).toBe(1000); // "Buyers Premium of 10%" in the fixture terms
    }
    const kept = await rejects(report.importId);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.reason).toMatch(/#val_\d+searchGrid not found/);
  });

  it.runIf(run)('GSA: make/model from ItemName, VIN from the lot description, closed auctions rejected', async () => {
    const report = await runner.run('gsa');
    expect(report.accepted).toBe(good(lots.gsa).length);
    const rows = await listings('gsa');
    for (const lot of good(lots.gsa)) {
      const row = rows.find((r) => r.lot_id.endsWith(`-${lot.id}`));
      expect([row?.make, row?.model, row?.year, row?.vin, row?.mileage]).toEqual([lot.make, lot.model, lot.year, lot.vin, lot.mileage]);
    }
    expect((await rejects(report.importId))[0]?.reason).toMatch(/AuctionStatus/);
  });

  it.runIf(run)('CSV feed by URL goes through the feed reader with row-numbered rejects', async () => {
    const report = await runner.run('feed');
    expect(report.accepted).toBe(good(lots.feed).length);
    const kept = await rejects(report.importId);
    expect(kept.map((r) => r.row_number)).toEqual([3]);
  });

  it.runIf(run)('a changed layout fails loudly and leaves a reject with the reason', async () => {
    await expect(runner.run('ps-changed')).rejects.toBeInstanceOf(SourceLayoutError);
    const r = await tdb.db.kysely.selectFrom('import_rejects').selectAll().where('origin', '=', 'source:ps-changed').execute();
    expect(r).toHaveLength(1);
    expect(r[0]!.reason).toMatch(/layout: .*div\.auction-item/);
  });

  it.runIf(run)('malformed JSON is a layout error, not an empty run', async () => {
    await expect(runner.run('gd-malformed')).rejects.toThrow(/not JSON/);
  });
});
