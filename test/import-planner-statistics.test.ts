// An import soon after another plans its lookups with statistics that describe what the last one
// stored: autovacuum analyzes at most once a minute, and until it had, PostgreSQL looked a batch's
// lots up by their source alone and filtered every listing of that source
// (storage/planner-statistics.ts). Autovacuum is switched off for the tables here, so only the
// code under test can analyze them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFeedFile } from '../bench/ingest-feed.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { importFeedSource } from '../src/ingest/feed-import.js';
import { analyzeStale } from '../src/storage/planner-statistics.js';
import type { Db } from '../src/storage/db.js';
import { createTestDb, requirePostgres } from './support/databases.js';

const pgOk = await requirePostgres();
const NOW = Date.UTC(2026, 10, 26, 12);
const dir = mkdtempSync(join(tmpdir(), 'ds-planner-stats-'));
const first = join(dir, 'first.csv');
const second = join(dir, 'second.csv');
const LOOKUP = [{ table: 'listings', columns: ['source', 'lot_id', 'vin'] }];

beforeAll(async () => {
  await writeFeedFile(first, 300, { reference: NOW, seed: 21 });
  await writeFeedFile(second, 300, { reference: NOW, seed: 22, lotPrefix: 'M' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The listings columns PostgreSQL holds statistics for. */
async function columnsWithStatistics(db: Db): Promise<string[]> {
  const r = await sql<{
    attname: string;
  }>`SELECT attname FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'listings' ORDER BY attname`.execute(db.kysely);
  return r.rows.map((x) => x.attname);
}

/** The plan of a batch's lookup of 200 lots of one source. */
async function lookupPlan(db: Db): Promise<string> {
  const lots = Array.from({ length: 200 }, (_, i) => `Z${i}`);
  const r = await sql<{
    'QUERY PLAN': string;
  }>`EXPLAIN SELECT id FROM listings WHERE source = 'gsa' AND lot_id IN (${sql.join(lots)})`.execute(db.kysely);
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}

describe.runIf(pgOk)('planner statistics on PostgreSQL', () => {
  it('analyzes the columns asked for once a table has grown past the scale factor, and only then', async () => {
    const t = await createTestDb('postgres');
    try {
      await sql`ALTER TABLE listings SET (autovacuum_enabled = false)`.execute(t.db.kysely);
      expect(await analyzeStale(t.db, LOOKUP)).toEqual([]);
      await sql`
        INSERT INTO listings (source, lot_id, title, year, make, model, vin, current_bid_cents, auction_end_ms, state,
          title_status, content_hash, origin, created_at, updated_at)
        SELECT (ARRAY['govdeals', 'publicsurplus', 'gsa'])[1 + i % 3], 'L' || i, 'unit ' || i, 2015, 'Ford', 'F-150',
          NULL, 100000, 0, 'TX', 'clean', md5(i::text), '{}', 0, 0
        FROM generate_series(1, 20000) AS i`.execute(t.db.kysely);
      // Without statistics the planner takes one source for a sliver of the table and filters it.
      expect(await lookupPlan(t.db)).not.toMatch(/Index Cond: .*lot_id/);
      expect(await analyzeStale(t.db, LOOKUP)).toEqual(['listings']);
      expect(await columnsWithStatistics(t.db)).toEqual(['lot_id', 'source', 'vin']);
      expect(await lookupPlan(t.db)).toMatch(/Index Cond: \(\(source = 'gsa'::text\) AND \(lot_id = ANY/);
      // Analyzed at this size: nothing to do until the table grows again.
      expect(await analyzeStale(t.db, LOOKUP)).toEqual([]);
    } finally {
      await t.drop();
    }
  });

  it('an import refreshes them when the last import left them behind, and not into a database it finds as analyzed', async () => {
    const t = await createTestDb('postgres');
    try {
      await sql`ALTER TABLE listings SET (autovacuum_enabled = false)`.execute(t.db.kysely);
      const opts = { now: NOW, params: defaultArbitrageParams(), batchRows: 100 };
      await importFeedSource(t.db, { path: first }, 'csv', { ...opts, origin: 'first.csv' });
      // The tables were empty when it started: nothing to refresh.
      expect(await columnsWithStatistics(t.db)).toEqual([]);
      await importFeedSource(t.db, { path: second }, 'csv', { ...opts, origin: 'second.csv' });
      expect(await columnsWithStatistics(t.db)).toEqual(['is_active', 'lot_id', 'source', 'vin']);
    } finally {
      await t.drop();
    }
  });
});

describe('planner statistics on SQLite', () => {
  it('are not asked for', async () => {
    const t = await createTestDb('sqlite');
    try {
      await importFeedSource(t.db, { path: first }, 'csv', { now: NOW, params: defaultArbitrageParams(), origin: 'first.csv' });
      expect(await analyzeStale(t.db, LOOKUP)).toEqual([]);
      const stat1 = await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'`.execute(t.db.kysely);
      expect(Number(stat1.rows[0]!.n)).toBe(0);
    } finally {
      await t.drop();
    }
  });
});
