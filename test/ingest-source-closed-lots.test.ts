// A lot its source reports closed or sold after an earlier run stored it: the listing and its
// opportunity leave the lists at that run (GSA AuctionStatus, GovDeals isSoldAuction), the other
// lots stay as they were, and a lot the source lists as open again comes back.
import type { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/common/clock.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { API_KEY, fixtureRunner, NOW } from './support/source-fixtures.js';

const pgOk = await requirePostgres();

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('lots a source reports closed, on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  const clock = new ManualClock(NOW);
  const lots = { gsa: makeLots(6, 11, NOW), govdeals: makeLots(6, 12, NOW) };

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    site = await startAuctionSite({ now: NOW, ...lots, apiKey: API_KEY });
    runner = fixtureRunner(site, tdb.db, { clock, seed: 3 });
  });
  afterAll(async () => {
    if (!run) return;
    await runner.close();
    await site.close();
    await tdb.drop();
  });

  /** Per stored lot of a source: whether its listing and its opportunity are live, and the opportunity's status. */
  const state = async (source: string) => {
    const rows = await tdb.db.kysely
      .selectFrom('listings as l')
      .innerJoin('opportunities as o', 'o.listing_id', 'l.id')
      .select(['l.lot_id', 'l.is_active as listed', 'o.is_active as live', 'o.status'])
      .where('l.source', '=', source)
      .orderBy('l.lot_id')
      .execute();
    return rows.map((r) => ({ lot: r.lot_id, listed: Boolean(r.listed), live: Boolean(r.live), status: r.status }));
  };

  it.runIf(run)('withdraws what the source now reports closed or sold, and nothing else', async () => {
    for (const name of ['gsa', 'govdeals']) expect((await runner.run(name)).outcome).toBe('ok');
    const before = { gsa: await state('gsa'), govdeals: await state('govdeals') };
    expect(before.gsa).toHaveLength(6);
    expect(before.govdeals).toHaveLength(6);
    expect([...before.gsa, ...before.govdeals].every((r) => r.listed && r.live)).toBe(true);

    lots.gsa[1]!.rejectBecause = 'closed';
    lots.govdeals[4]!.rejectBecause = 'sold';
    clock.advance(60_000);
    const gsa = await runner.run('gsa');
    const govdeals = await runner.run('govdeals');
    expect(gsa).toMatchObject({ outcome: 'ok', skipped: 1 });
    expect(gsa.notes).toContain('1 stored listing(s) withdrawn from the lists: the source reports them sold or closed');
    expect(govdeals).toMatchObject({ outcome: 'ok', skipped: 1 });

    const after = { gsa: await state('gsa'), govdeals: await state('govdeals') };
    const gone = (source: 'gsa' | 'govdeals', i: number) => after[source].find((r) => r.lot === before[source][i]!.lot);
    const closedGsa = after.gsa.filter((r) => !r.live);
    const soldGovdeals = after.govdeals.filter((r) => !r.live);
    expect(closedGsa).toHaveLength(1);
    expect(soldGovdeals).toHaveLength(1);
    for (const r of [...closedGsa, ...soldGovdeals]) expect(r).toMatchObject({ listed: false, live: false, status: 'ended' });
    // Every other lot is exactly as the first run left it.
    expect(after.gsa.filter((r) => r.live)).toEqual(before.gsa.filter((r) => r.lot !== closedGsa[0]!.lot));
    expect(after.govdeals.filter((r) => r.live)).toEqual(before.govdeals.filter((r) => r.lot !== soldGovdeals[0]!.lot));
    expect(gone('gsa', 0)!.live).toBe(true);

    // The public list no longer has them.
    const listed = await tdb.db.kysely
      .selectFrom('opportunities')
      .select('lot_id')
      .where('is_active', '=', dialect === 'postgres' ? (true as never) : (1 as never))
      .execute();
    const live = new Set(listed.map((r) => r.lot_id));
    expect(live.has(closedGsa[0]!.lot)).toBe(false);
    expect(live.has(soldGovdeals[0]!.lot)).toBe(false);

    // Listed as open again (a cancelled sale put back up): the next run brings it back.
    lots.gsa[1]!.rejectBecause = null;
    clock.advance(60_000);
    expect((await runner.run('gsa')).outcome).toBe('ok');
    const again = await state('gsa');
    expect(again.find((r) => r.lot === closedGsa[0]!.lot)).toMatchObject({ listed: true, live: true });
    expect(again.find((r) => r.lot === closedGsa[0]!.lot)!.status).not.toBe('ended');
  });

  it.runIf(run)('a closed lot never stored before is only skipped', async () => {
    lots.gsa.push(...makeLots(1, 13, NOW, { 0: 'closed' }).map((l) => ({ ...l, id: 900 })));
    clock.advance(60_000);
    const report = await runner.run('gsa');
    expect(report).toMatchObject({ outcome: 'ok', skipped: 1 });
    expect(report.notes.filter((n) => n.includes('withdrawn'))).toEqual([]);
  });
});
