// GovDeals' search with a storefront that serves fewer rows a page than asked for: the walk goes on
// until the x-total-count it declared, rather than taking the first short page for the last.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { ManualClock } from '../src/common/clock.js';
import { seededRandom } from '../src/common/random.js';
import { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { API_KEY, NOW, SECRETS, sourcesFor } from './support/source-fixtures.js';

describe('maestro paging against a row cap', () => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  const lots = makeLots(7, 31, NOW);

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    // The configured pageSize is 25; the storefront answers 3 rows a page.
    site = await startAuctionSite({ now: NOW, govdeals: lots, apiKey: API_KEY, maestroRowCap: 3 });
    runner = new SourceRunner(sourcesFor(site), {
      db: tdb.db,
      clock: new ManualClock(NOW),
      random: seededRandom(9),
      params: defaultArbitrageParams,
      renderer: null,
      readSecret: (n) => SECRETS[n],
    });
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
