// Each auction source adapter end to end, against fixture sites built from the published shapes:
// fixture site → polite fetcher → adapter → the one ingestion pipeline → SQLite and PostgreSQL.
// Every stored listing is compared field by field with the lot's truth, end time included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { SourceRunner, type SourceRunReport } from '../src/ingest/scheduler/source-runner.js';
import { ManualClock } from '../src/common/clock.js';
import { readStoredFields } from '../src/quality/index.js';
import { seededRandom } from '../src/common/random.js';
import type { ListingRow } from '../src/storage/schema.js';
import { startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import {
  API_KEY,
  CAD_RATE,
  CURRENCY,
  landing,
  LOTS,
  NOW,
  SECRETS,
  sourcesFor,
  wrongFields,
  ZONELESS,
  type Truth,
} from './support/source-fixtures.js';

const pgOk = await requirePostgres();
const gsaId = (id: number) => `41QSCI26${String(id % 1000).padStart(3, '0')}-${id % 1000}`;
const maestroId = (id: number) => `${9000 + (id % 7)}-${50_000 + id}`;
/** What each source run is measured by in the report at the end. */
const table: Record<string, { lots: number; correct: number; coverage: string; endsExact: number; worstEndMs: number }> = {};

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('source adapters into $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  const clock = new ManualClock(NOW);
  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    site = await startAuctionSite({ now: NOW, ...LOTS, apiKey: API_KEY, maestro: { currency: CURRENCY, zonelessEnd: ZONELESS } });
    runner = new SourceRunner(sourcesFor(site), {
      db: tdb.db,
      clock,
      random: seededRandom(7),
      params: defaultArbitrageParams,
      renderer: null,
      readSecret: (n) => SECRETS[n],
    });
  });
  afterAll(async () => {
    if (!run) return;
    await runner.close();
    await site.close();
    await tdb.drop();
  });

  const listings = async (source: string) => tdb.db.kysely.selectFrom('listings').selectAll().where('source', '=', source).execute();
  const rejects = (importId: number | null) =>
    tdb.db.kysely
      .selectFrom('import_rejects')
      .selectAll()
      .where('import_id', '=', importId ?? -1)
      .execute();
  const provenance = async (source: string, lotId: string) => {
    const row = await tdb.db.kysely
      .selectFrom('quality_provenance')
      .select('fields_json')
      .where('source', '=', source)
      .where('lot_id', '=', lotId)
      .executeTakeFirstOrThrow();
    return readStoredFields(row.fields_json);
  };
  /** Compares every landed lot with its truth and records the source's row of the summary table. */
  const compare = (name: string, report: SourceRunReport, rows: ListingRow[], truths: Truth[], opts: { title?: boolean } = {}) => {
    const wrong: string[] = [];
    let endsExact = 0;
    let worstEndMs = 0;
    for (const t of truths) {
      const row = rows.find((r) => r.lot_id === t.lotId);
      const w = wrongFields(row, t, opts);
      if (w.length) wrong.push(`${t.lotId}: ${w.join(', ')}`);
      if (row) {
        const diff = Math.abs(Number(row.auction_end_ms) - t.lot.endsAt);
        if (diff === 0) endsExact++;
        worstEndMs = Math.max(worstEndMs, diff);
      }
    }
    if (dialect === 'sqlite') {
      table[name] = {
        lots: truths.length,
        correct: truths.length - wrong.length,
        coverage: `${report.coverage?.filled}/${report.coverage?.available}`,
        endsExact,
        worstEndMs,
      };
    }
    expect(wrong).toEqual([]);
  };

  it.runIf(run)(
    'GSA (PascalCase): LotInfo lines in sequence, date-only end at 23:59:59 local, null bid kept, SF-97 clean, X-API-KEY sent',
    async () => {
      const report = await runner.run('gsa');
      const good = landing(LOTS.gsa);
      expect(report).toMatchObject({
        outcome: 'ok',
        pages: 1,
        found: LOTS.gsa.length,
        accepted: good.length,
        skipped: 2,
        rejected: 0,
        quarantined: 0,
        errors: [],
      });
      expect(report.skippedByReason).toEqual({ AuctionStatus: 1, 'not a vehicle': 1 });
      const rows = await listings('gsa');
      compare(
        'gsa (PascalCase)',
        report,
        rows,
        good.map((lot) => ({ lot, lotId: gsaId(lot.id), bidCents: lot.bid * 100 })),
      );
      const austin = rows.find((r) => r.lot_id === gsaId(good[0]!.id))!;
      expect(austin.description).toBe(
        `Agency fleet vehicle.\nVIN ${good[0]!.vin}.\nOdometer reads ${good[0]!.mileage.toLocaleString('en-US')} miles.\nTitle: SF-97. Runs and drives.`,
      );
      expect(austin.seller_name).toBe(good[0]!.seller);
      const p = await provenance('gsa', austin.lot_id);
      expect(p.auctionEndsAt).toMatchObject({ m: 'imputed', i: ['location.zip', 'location.state'] });
      expect(p.auctionEndsAt!.a).toMatch(/date without a time.*23:59:59.*America\/Chicago.*ZIP 78701/);
      const noBid = LOTS.gsa[4]!;
      expect(noBid.noBid).toBe(true);
      expect(Number(rows.find((r) => r.lot_id === gsaId(noBid.id))!.current_bid_cents)).toBe(10_000);
      expect((await provenance('gsa', gsaId(noBid.id))).currentBidCents).toMatchObject({
        m: 'default',
        a: expect.stringMatching(/HighBidAmount is null/),
      });
      // Ex-government: an agency sells it, and its title is the SF-97.
      const opps = await tdb.db.kysely
        .selectFrom('opportunities')
        .select(['recon_cents', 'title_status'])
        .where('source', '=', 'gsa')
        .execute();
      expect(opps.every((o) => Number(o.recon_cents) === 95_000 && o.title_status === 'clean')).toBe(true);
      const calls = site.requests.filter((r) => r.path.startsWith('/gsa/auctions'));
      expect(calls.at(-1)!.headers['x-api-key']).toBe(API_KEY);
    },
  );

  it.runIf(run)('GSA (camelCase, lotInfo as HTML) reads to exactly the same listings', async () => {
    const report = await runner.run('gsa-camel');
    expect(report).toMatchObject({
      outcome: 'ok',
      accepted: landing(LOTS.gsa).length,
      skipped: 2,
      created: 0,
      updated: 0,
      unchanged: landing(LOTS.gsa).length,
    });
    const rows = await listings('gsa');
    compare(
      'gsa (camelCase)',
      report,
      rows,
      landing(LOTS.gsa).map((lot) => ({ lot, lotId: gsaId(lot.id), bidCents: lot.bid * 100 })),
    );
    expect(rows.every((r) => !/[<>]/.test(r.description ?? ''))).toBe(true);
  });

  it.runIf(run)('GovDeals: POST with businessId GD, pages by displayRows and x-total-count, sold and non-vehicles skipped', async () => {
    const before = site.requests.length;
    const report = await runner.run('govdeals');
    const good = landing(LOTS.govdeals);
    expect(report).toMatchObject({ outcome: 'ok', pages: 3, found: 60, accepted: good.length, skipped: 2, rejected: 0 });
    expect(report.skippedByReason).toEqual({ isSoldAuction: 1, 'not a vehicle': 1 });
    const posts = site.requests.slice(before).filter((r) => r.path === '/search/list');
    expect(posts.map((r) => [r.method, JSON.parse(r.body).businessId, JSON.parse(r.body).page, JSON.parse(r.body).displayRows])).toEqual([
      ['POST', 'GD', 1, 25],
      ['POST', 'GD', 2, 25],
      ['POST', 'GD', 3, 25],
    ]);
    expect(posts[0]!.headers).toMatchObject({
      'x-api-key': API_KEY,
      'x-user-id': '-1',
      origin: 'https://www.govdeals.com',
      referer: 'https://www.govdeals.com/',
    });
    expect(JSON.parse(posts[0]!.body)).toMatchObject({
      requestType: 'search',
      responseStyle: 'productsOnly',
      facetsFilter: [expect.stringContaining('product_category')],
    });
    const rows = await listings('govdeals');
    compare(
      'govdeals',
      report,
      rows,
      good.map((lot) => ({ lot, lotId: maestroId(lot.id), bidCents: lot.bid * 100 })),
    );
    expect(rows.find((r) => r.lot_id === maestroId(LOTS.govdeals[0]!.id))!.listing_url).toBe(
      `https://www.govdeals.com/asset/${50_000 + LOTS.govdeals[0]!.id}/${9000 + (LOTS.govdeals[0]!.id % 7)}`,
    );
    expect((await provenance('govdeals', maestroId(LOTS.govdeals[5]!.id))).auctionEndsAt!.a).toMatch(/no zone designator: read as UTC/);
    expect((await provenance('govdeals', maestroId(LOTS.govdeals[11]!.id))).currentBidCents).toMatchObject({
      m: 'default',
      l: expect.stringMatching(/assetBidPrice/),
    });
  });

  it.runIf(run)(
    'AllSurplus: businessId AD; CAD converted with currencyRates, EUR skipped with the reason, never read as dollars',
    async () => {
      const before = site.requests.length;
      const report = await runner.run('allsurplus');
      expect(report).toMatchObject({ outcome: 'ok', found: 12, accepted: 11, skipped: 1, rejected: 0 });
      expect(Object.keys(report.skippedByReason)).toEqual(['currencyCode EUR']);
      expect(JSON.parse(site.requests.slice(before).find((r) => r.path === '/search/list')!.body).businessId).toBe('AD');
      const cents = (i: number) => (CURRENCY[i] ? Math.round(Math.round(CURRENCY[i]![1] * 100) * CAD_RATE) : LOTS.allsurplus[i]!.bid * 100);
      const truths = LOTS.allsurplus.map((lot, i) => ({ lot, lotId: maestroId(lot.id), bidCents: cents(i) })).filter((_, i) => i !== 8);
      compare('allsurplus', report, await listings('allsurplus'), truths);
      expect(await listings('allsurplus').then((r) => r.find((x) => x.lot_id === maestroId(LOTS.allsurplus[8]!.id)))).toBeUndefined();
      expect((await provenance('allsurplus', maestroId(LOTS.allsurplus[2]!.id))).currentBidCents!.a).toMatch(
        /CAD converted at 0\.73 USD per CAD/,
      );
    },
  );

  it.runIf(run)(
    'PublicSurplus category pages ({auc}catGrid): the end is the fifth updateTimeLeftSpan argument, not the render time',
    async () => {
      const report = await runner.run('ps-cat');
      const good = landing(LOTS.publicsurplus);
      expect(report).toMatchObject({ outcome: 'partial', found: 30, accepted: good.length, skipped: 1, rejected: 1 });
      expect(report.rejects[0]!.reason).toMatch(/#val_\d+catGrid not found/);
      const rows = await listings('publicsurplus');
      compare(
        'publicsurplus (category)',
        report,
        rows,
        good.map((lot) => ({ lot, lotId: String(lot.id), bidCents: lot.bid * 100 })),
      );
      expect(rows.some((r) => Number(r.auction_end_ms) === NOW)).toBe(false);
      expect(rows.every((r) => r.buyer_premium_bp === 1000)).toBe(true);
    },
  );

  it.runIf(run)('PublicSurplus search pages ({auc}searchGrid) read the same lots', async () => {
    const report = await runner.run('ps-search');
    expect(report).toMatchObject({ outcome: 'partial', found: 30, accepted: landing(LOTS.publicsurplus).length, created: 0, updated: 0 });
    compare(
      'publicsurplus (search)',
      report,
      await listings('publicsurplus'),
      landing(LOTS.publicsurplus).map((lot) => ({ lot, lotId: String(lot.id), bidCents: lot.bid * 100 })),
    );
  });

  it.runIf(run)('CSV feed by URL goes through the feed reader with row-numbered rejects', async () => {
    const report = await runner.run('feed');
    expect(report).toMatchObject({ outcome: 'partial', accepted: landing(LOTS.feed).length, rejected: 1 });
    expect((await rejects(report.importId)).map((r) => r.row_number)).toEqual([3]);
  });
});

afterAll(() => {
  if (Object.keys(table).length === 0) return;
  const lines = Object.entries(table).map(
    ([k, v]) =>
      `${k.padEnd(26)} ${String(v.correct).padStart(3)}/${String(v.lots).padEnd(3)} correct  fields ${v.coverage.padEnd(9)}  ends exact ${v.endsExact}/${v.lots}, worst ${v.worstEndMs} ms`,
  );
  process.stdout.write(`\nfixture lots per source (SQLite run)\n${lines.join('\n')}\n`);
});
