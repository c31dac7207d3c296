// Re-appraisal writes a chunk's content hashes in one statement and commits every 1,000 listings:
// a relisted file that moved the flags of 17,000 stored listings re-appraised them with a statement
// per listing and a commit per 200 (5.8 s of commits alone on SQLite). Checked on both dialects for
// what is stored and how often the database is asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams, type ArbitrageParams } from '../src/config/arbitrage.js';
import { reappraiseAll, reappraiseListings } from '../src/quality/reappraise.js';
import type { Db } from '../src/storage/index.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { ingestMadeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const T0 = Date.UTC(2026, 10, 1);
const LISTINGS = 1_200;

/** The same database, counting the transactions opened on it. */
function countingTransactions(db: Db): { db: Db; transactions: () => number } {
  let n = 0;
  const kysely = new Proxy(db.kysely, {
    get(target, prop) {
      if (prop === 'transaction') {
        return () => {
          n++;
          return target.transaction();
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db: { ...db, kysely }, transactions: () => n };
}

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('batched re-appraisal on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  beforeAll(async () => {
    if (run) tdb = await createTestDb(dialect);
  });
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  it.runIf(run)(`re-prices ${LISTINGS} listings in a few statements per 200 and a transaction per 1,000`, async () => {
    const imported = await ingestMadeListings(tdb.db, LISTINGS, 8, 'RA', T0);
    expect(imported.created).toBe(LISTINGS);
    const base = defaultArbitrageParams();
    // A higher doc fee on every source: every listing is stale and every opportunity's cost moves.
    const params: ArbitrageParams = {
      ...base,
      fees: {
        ...base.fees,
        sources: Object.fromEntries(
          Object.entries(base.fees.sources).map(([s, f]) => [s, { ...f, docFeeCents: f.docFeeCents + 12_345 }]),
        ) as ArbitrageParams['fees']['sources'],
      },
    };
    const costBefore = new Map(
      (await tdb.db.kysely.selectFrom('opportunities').select(['lot_id', 'doc_fee_cents']).execute()).map((r) => [
        r.lot_id,
        Number(r.doc_fee_cents),
      ]),
    );
    const counted = countingTransactions(tdb.db);
    const asked = tdb.db.stats.queries;
    const res = await reappraiseAll(counted.db, { params, now: T0 + 1000, anomalyDetection: true, staleOnly: true });
    expect(res.reappraised).toBe(LISTINGS);
    // A statement per listing would be over 1,200; per 200-listing chunk there are a handful
    // (decodes, flags, hashes, change number, opportunities), plus the pages read.
    expect(tdb.db.stats.queries - asked).toBeLessThan(60);
    // One transaction per 1,000 listings, and the data version's bump, committed durably, its own.
    expect(counted.transactions()).toBe(Math.ceil(LISTINGS / 1000) + 1);

    const listings = await tdb.db.kysely.selectFrom('listings').select(['lot_id', 'content_hash']).execute();
    expect(listings).toHaveLength(LISTINGS);
    // Every hash now names the engine that priced it, so none is stale any more.
    for (const l of listings) expect(l.content_hash.endsWith(`.${res.engine}`)).toBe(true);
    const again = await reappraiseAll(tdb.db, { params, now: T0 + 2000, anomalyDetection: true, staleOnly: true });
    expect(again.reappraised).toBe(0);
    const opps = await tdb.db.kysely.selectFrom('opportunities').select(['lot_id', 'doc_fee_cents']).execute();
    expect(opps).toHaveLength(LISTINGS);
    for (const o of opps) expect(Number(o.doc_fee_cents)).toBe(costBefore.get(o.lot_id)! + 12_345);
  });
});

describe.runIf(pgOk)('concurrent re-appraisal on postgres', () => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb('postgres');
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('two re-appraisals of the same listings, asked in opposite orders, both finish', async () => {
    await ingestMadeListings(tdb.db, LISTINGS, 9, 'RC', T0);
    const ids = (await tdb.db.kysely.selectFrom('listings').select('id').execute()).map((r) => Number(r.id));
    const opts = { params: defaultArbitrageParams(), now: T0 + 1000, anomalyDetection: true };
    const [a, b] = await Promise.all([reappraiseListings(tdb.db, ids, opts), reappraiseListings(tdb.db, [...ids].reverse(), opts)]);
    expect([a, b]).toEqual([LISTINGS, LISTINGS]);
  });
});
