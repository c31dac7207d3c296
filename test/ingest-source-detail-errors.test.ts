// A PublicSurplus run whose detail pages fail one by one: a lot withdrawn between the list page and
// its detail (404) is left out with the reason, a detail the site will not serve after the
// fetcher's retries (500) keeps its lot from the card alone with a note, and every other lot of
// the run lands as usual.
import type { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../src/common/clock.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { fixtureRunner, NOW } from './support/source-fixtures.js';

describe('PublicSurplus detail pages that fail', () => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  const lots = makeLots(6, 21, NOW);
  const withdrawn = lots[1]!;
  const refused = lots[4]!;
  // The fetcher's retry backoff waits on real timers (milliseconds here); dates read from NOW.
  const started = Date.now();
  const clock: Clock = { now: () => NOW + (Date.now() - started), setTimeout: systemClock.setTimeout };

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    site = await startAuctionSite({ now: NOW, publicsurplus: lots, detailStatus: { [withdrawn.id]: 404, [refused.id]: 500 } });
    runner = fixtureRunner(site, tdb.db, { clock, seed: 5 });
  });
  afterAll(async () => {
    await runner.close();
    await site.close();
    await tdb.drop();
  });

  it('costs the run only the lots whose detail failed', async () => {
    const report = await runner.run('ps-cat');
    expect(report.errors).toEqual([]);
    expect(report).toMatchObject({ outcome: 'ok', found: 6, accepted: 5, skipped: 1, rejected: 0 });
    expect(report.skippedByReason).toEqual({ 'detail page answered HTTP 404': 1 });
    expect(report.notes).toEqual([expect.stringMatching(new RegExp(`^lot ${refused.id} kept from its card alone: .*HTTP 500`))]);
    // The list page, the empty page after it that ends the walk, and the four details that
    // answered, besides the two that did not.
    expect(report.pages).toBe(6);
    const stored = await tdb.db.kysely.selectFrom('listings').select(['lot_id', 'vin', 'description']).execute();
    expect(stored.map((r) => r.lot_id).sort()).toEqual(
      lots
        .filter((l) => l !== withdrawn)
        .map((l) => String(l.id))
        .sort(),
    );
    // Detail fields came from the detail pages that answered, and not for the lot kept from its card.
    const byLot = new Map(stored.map((r) => [r.lot_id, r]));
    expect(byLot.get(String(lots[0]!.id))!.vin).toBe(lots[0]!.vin);
    expect(byLot.get(String(refused.id))!.description).toBeNull();
    // The site was asked for the failing detail again (the fetcher's retries) before the lot was kept without it.
    const asked = site.requests.filter((r) => r.path === `/sms/auction/view?auc=${refused.id}`).length;
    expect(asked).toBeGreaterThan(1);
  });
});
