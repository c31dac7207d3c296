// Two workers importing overlapping lots at the same time (a source scraped by two schedulers,
// or the same feed posted twice) must both finish, on PostgreSQL's row locks as on SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { CompIndex } from '../src/opportunities/comps-store.js';
import { storeListings } from '../src/opportunities/store.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeListings } from './support/listings.js';

const pgOk = await requirePostgres();

describe.runIf(pgOk)('concurrent overlapping imports on PostgreSQL', () => {
  let a: TestDb;
  beforeAll(async () => {
    a = await createTestDb('postgres');
  });
  afterAll(async () => {
    await a.drop();
  });

  it('finish without deadlock whatever order each importer received the lots in', async () => {
    const opts = { origin: 'test', isSample: false, params: defaultArbitrageParams(), comps: new CompIndex() };
    // One write batch each, the same rows in opposite orders: the classic lock-order deadlock.
    const base = makeListings(200, 5);
    for (let round = 0; round < 10; round++) {
      const forward = base.map((l) => ({ ...l, currentBidCents: l.currentBidCents + round * 100 + 1 }));
      const backward = [...base].reverse().map((l) => ({ ...l, currentBidCents: l.currentBidCents + round * 100 + 2 }));
      const results = await Promise.all([
        storeListings(a.db, forward, { ...opts, now: Date.UTC(2026, 10, 1) + round }),
        storeListings(a.db, backward, { ...opts, now: Date.UTC(2026, 10, 1) + round }),
      ]);
      for (const r of results) expect(r.created + r.updated + r.unchanged).toBe(200);
    }
    const n = await a.db.kysely
      .selectFrom('opportunities')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(200);
  });
});
