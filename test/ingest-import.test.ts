// Feed and comps imports through the real pipeline, on SQLite and PostgreSQL: bad rows are
// reported and kept with their row numbers; good rows land; re-running changes nothing.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { importCompsFile, importListingFeed } from '../src/ingest/import-service.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';

const pgOk = await requirePostgres();
const mixed = readFileSync(new URL('./fixtures/feeds/mixed.csv', import.meta.url));
const NOW = Date.UTC(2026, 10, 26, 12);
const params = defaultArbitrageParams();

// Header is row 1, so the first data line is row 2.
const EXPECTED_REJECTS: Array<[number, string | null, RegExp]> = [
  [4, 'PS-1', /year/i],
  [5, 'PS-2', /current_bid/i],
  [6, 'GSA-1', /year/i],
  [7, 'GSA-2', /auction_end/i],
  [8, null, /lot_id/i],
  [9, 'GSA-4', /state/i],
  [10, 'GSA-5', /mileage/i],
];

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('imports on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  beforeAll(async () => {
    if (run) tdb = await createTestDb(dialect);
  });
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  const count = async (table: 'listings' | 'opportunities' | 'import_rejects' | 'market_comps') =>
    Number(
      (
        await tdb.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.runIf(run)('lands every good row and reports every bad one with row number, lot id and reason', async () => {
    const res = await importListingFeed(tdb.db, mixed, 'csv', { origin: 'mixed.csv', now: NOW, params });
    expect(res.rows).toBe(10);
    expect(res.accepted).toBe(3);
    expect(res.created).toBe(3);
    expect(res.rejected.map((r) => [r.row, r.lotId])).toEqual(EXPECTED_REJECTS.map(([row, lot]) => [row, lot]));
    for (const [i, [, , reason]] of EXPECTED_REJECTS.entries()) expect(res.rejected[i]?.reason).toMatch(reason);
    expect(await count('listings')).toBe(3);
    expect(await count('opportunities')).toBe(3);
    const kept = await tdb.db.kysely
      .selectFrom('import_rejects')
      .selectAll()
      .where('import_id', '=', res.importId)
      .orderBy('row_number')
      .execute();
    expect(kept.map((r) => r.row_number)).toEqual(EXPECTED_REJECTS.map(([row]) => row));
    expect(kept.every((r) => r.reason.length > 0 && r.raw_json.length > 2)).toBe(true);
  });

  it.runIf(run)('counts the rows rejected while reading in the contract run, as validated and failed', async () => {
    const res = await importListingFeed(tdb.db, mixed, 'csv', { origin: 'mixed-compliance.csv', now: NOW, params });
    const runs = await tdb.db.kysely.selectFrom('quality_contract_runs').selectAll().where('import_id', '=', res.importId).execute();
    const validated = runs.reduce((n, r) => n + Number(r.validated), 0);
    const passed = runs.reduce((n, r) => n + Number(r.passed), 0);
    expect(validated).toBe(res.rows);
    expect(passed).toBe(res.accepted - (res.quality?.quarantined ?? 0));
  });

  it.runIf(run)('takes mileage from the description when the column is blank and keeps quoted commas', async () => {
    const rows = await tdb.db.kysely.selectFrom('listings').select(['lot_id', 'mileage', 'description']).orderBy('lot_id').execute();
    expect(rows.find((r) => r.lot_id === 'GD-2')?.mileage).toBe(101_250);
    expect(rows.find((r) => r.lot_id === 'MB-1')?.description).toBe('Quoted, with a comma');
  });

  it.runIf(run)('is harmless to re-run and updates a changed row in place', async () => {
    const before = await tdb.db.kysely
      .selectFrom('opportunities')
      .select(['id', 'lot_id', 'profit_cents', 'created_at'])
      .orderBy('id')
      .execute();
    const again = await importListingFeed(tdb.db, mixed, 'csv', { origin: 'mixed.csv', now: NOW + 60_000, params });
    expect([again.created, again.updated, again.unchanged]).toEqual([0, 0, 3]);
    expect(again.dataVersion).toBeNull();
    expect(await count('opportunities')).toBe(3);

    const raised = readFileSync(new URL('./fixtures/feeds/mixed.csv', import.meta.url), 'utf8').replace('"$9,500.00"', '"$10,500.00"');
    const changed = await importListingFeed(tdb.db, raised, 'csv', { origin: 'mixed.csv', now: NOW + 120_000, params });
    expect([changed.created, changed.updated, changed.unchanged]).toEqual([0, 1, 2]);
    const after = await tdb.db.kysely
      .selectFrom('opportunities')
      .select(['id', 'lot_id', 'profit_cents', 'created_at', 'current_bid_cents'])
      .orderBy('id')
      .execute();
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    const gd1Before = before.find((r) => r.lot_id === 'GD-1');
    const gd1After = after.find((r) => r.lot_id === 'GD-1');
    expect(gd1After?.current_bid_cents).toBe(1_050_000);
    // $1,000 more bid costs $1,000 + 12.5 % GovDeals premium = $1,125 less profit.
    expect(Number(gd1After?.profit_cents)).toBe(Number(gd1Before?.profit_cents) - 112_500);
    expect(gd1After?.created_at).toBe(gd1Before?.created_at);
  });

  it.runIf(run)('re-appraises affected opportunities when comps arrive', async () => {
    const before = await tdb.db.kysely
      .selectFrom('opportunities')
      .select(['valuation_method', 'sample_size'])
      .where('lot_id', '=', 'GD-1')
      .executeTakeFirstOrThrow();
    expect(before.valuation_method).toBe('model');
    const sales = ['VIN,Year,Make,Model,Sale Price,Sale Date,Mileage,State']
      .concat(
        Array.from(
          { length: 12 },
          (_, i) => `,${2018 + (i % 3)},Ford,F-150,${24_000 + i * 250},2026-10-${String(1 + i).padStart(2, '0')},${70_000 + i * 1000},TX`,
        ),
      )
      .concat(['bad,row,without,enough,columns'])
      .join('\n');
    const res = await importCompsFile(tdb.db, sales, { origin: 'sales.csv', now: NOW + 180_000, params });
    expect(res.inserted).toBe(12);
    expect(res.rejected.length).toBe(1);
    expect(res.recomputed).toBe(1);
    const after = await tdb.db.kysely
      .selectFrom('opportunities')
      .select(['valuation_method', 'sample_size'])
      .where('lot_id', '=', 'GD-1')
      .executeTakeFirstOrThrow();
    expect(after.valuation_method).toBe('comps');
    expect(after.sample_size).toBe(12);
    const again = await importCompsFile(tdb.db, sales, { origin: 'sales.csv', now: NOW + 240_000, params });
    expect(again.inserted).toBe(0);
    expect(again.duplicates).toBe(12);
    expect(await count('market_comps')).toBe(12);
  });
});
