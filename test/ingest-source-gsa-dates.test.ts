// GSA's AucEndDt is published as a date. A date serialised with a midnight time (zoneless or UTC)
// closes the lot at the end of that local day like the plain date, not at midnight a day early;
// a zoneless time of day has no single reading and rejects its lot, naming the field.
import type { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { API_KEY, fixtureRunner, NOW } from './support/source-fixtures.js';

describe('GSA end dates written with a time', () => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  const lots = makeLots(5, 41, NOW);
  const gsaId = (id: number) => `41QSCI26${String(id % 1000).padStart(3, '0')}-${id % 1000}`;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    lots[0]!.endDate = `${lots[0]!.endDate}T00:00:00`;
    lots[1]!.endDate = `${lots[1]!.endDate}T00:00:00.000Z`;
    lots[2]!.endDate = `${lots[2]!.endDate} 00:00`;
    lots[3]!.endDate = `${lots[3]!.endDate}T14:30:00`;
    site = await startAuctionSite({ now: NOW, gsa: lots, apiKey: API_KEY });
    runner = fixtureRunner(site, tdb.db, { seed: 4 });
  });
  afterAll(async () => {
    await runner.close();
    await site.close();
    await tdb.drop();
  });

  it('reads a midnight time as the date it stands for, and refuses a zoneless time of day', async () => {
    const report = await runner.run('gsa');
    expect(report).toMatchObject({ found: 5, accepted: 4, rejected: 1 });
    const stored = await tdb.db.kysely.selectFrom('listings').select(['lot_id', 'auction_end_ms']).execute();
    const endOf = new Map(stored.map((r) => [r.lot_id, Number(r.auction_end_ms)]));
    for (const lot of [lots[0]!, lots[1]!, lots[2]!, lots[4]!]) expect(endOf.get(gsaId(lot.id)), lot.endDate).toBe(lot.endsAt);
    expect(endOf.has(gsaId(lots[3]!.id))).toBe(false);
    const rejects = await tdb.db.kysely.selectFrom('import_rejects').select(['lot_id', 'reason']).execute();
    expect(rejects).toEqual([
      { lot_id: gsaId(lots[3]!.id), reason: expect.stringMatching(/AucEndDt ".*T14:30:00" has a time of day but no zone/) },
    ]);
  });
});
