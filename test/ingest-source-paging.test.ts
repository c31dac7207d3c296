// GovDeals' search with a storefront that serves fewer rows a page than asked for: the walk goes on
// until the x-total-count it declared, rather than taking the first short page for the last.
import type { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { API_KEY, fixtureRunner, NOW } from './support/source-fixtures.js';

describe('maestro paging against a row cap', () => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  const lots = makeLots(7, 31, NOW);

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    // The configured pageSize is 25; the storefront answers 3 rows a page.
    site = await startAuctionSite({ now: NOW, govdeals: lots, apiKey: API_KEY, maestroRowCap: 3 });
    runner = fixtureRunner(site, tdb.db, { seed: 9 });
  });
  afterAll(async () => {
    await runner.close();
    await site.close();
    await tdb.drop();
  });

  it('reads every lot the total declares, over short pages', async () => {
    const report = await runner.run('govdeals');
    expect(report).toMatchObject({ outcome: 'ok', pages: 3, found: 7, accepted: 7, errors: [] });
    expect(report.notes).toEqual([]);
    const stored = await tdb.db.kysely.selectFrom('listings').select('lot_id').execute();
    expect(stored).toHaveLength(7);
    const pages = site.requests.filter((r) => r.path === '/search/list').map((r) => (JSON.parse(r.body) as { page: number }).page);
    expect(pages).toEqual([1, 2, 3]);
  });
});

describe('PublicSurplus paging', () => {
  const runOn = async (opts: { psPageSize: number; psRepeatLastPage?: boolean }, count: number) => {
    const tdb = await createTestDb('sqlite');
    const lots = makeLots(count, 33, NOW);
    const site = await startAuctionSite({ now: NOW, publicsurplus: lots, ...opts });
    const runner = fixtureRunner(site, tdb.db, { seed: 9 });
    try {
      const report = await runner.run('ps-cat');
      const stored = await tdb.db.kysely.selectFrom('listings').select('lot_id').execute();
      const pages = site.requests.filter((r) => r.path.startsWith('/ps/')).map((r) => new URL(r.path, site.url).searchParams.get('page'));
      return { report, stored: stored.map((r) => r.lot_id).sort(), lots: lots.map((l) => String(l.id)).sort(), pages };
    } finally {
      await runner.close();
      await site.close();
      await tdb.drop();
    }
  };

  it('takes the page size from the first page, not a fixed 25', async () => {
    const r = await runOn({ psPageSize: 5 }, 12);
    expect(r.report).toMatchObject({ outcome: 'ok', found: 12, accepted: 12 });
    expect(r.stored).toEqual(r.lots);
    expect(r.pages).toEqual(['0', '1', '2']);
  });

  it('stops when a page past the end repeats the last one, reading each lot once', async () => {
    const r = await runOn({ psPageSize: 5, psRepeatLastPage: true }, 10);
    expect(r.report).toMatchObject({ outcome: 'ok', found: 10, accepted: 10 });
    expect(r.stored).toEqual(r.lots);
    expect(r.pages).toEqual(['0', '1', '2']);
  });
});
