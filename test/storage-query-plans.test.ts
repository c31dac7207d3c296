// The keyset indexes are what keep a page a range read on 100 k rows; a planner that stops using
// them (a changed filter order, a dropped index) would only show in the benchmark. SQLite's plan
// for every sort under the make + state filter is checked here, and so are the quality monitor's
// periodic samples, which run in the API process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKeysetPage, findOffsetPage } from '../src/opportunities/repository.js';
import { measureQuality } from '../src/quality/measure.js';
import type { Sort } from '../src/opportunities/list-query.js';
import { openDb, type Db } from '../src/storage/db.js';
import { migrate } from '../src/schema/migrate.js';
import type { Database as Schema } from '../src/storage/schema.js';
import { ingestMadeListings, makeListings } from './support/listings.js';
import { makeVin } from './support/vins.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { ingestListings } from '../src/ingest/import-service.js';
import { loadPatternDecodes } from '../src/quality/vin-decoding/decode-store.js';

/** VIN model-year codes from 2010 (the tests' listings run 2010–2023). */
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY';

const SORTS: Sort[] = ['newest', 'profit', 'roi', 'score', 'ending'];

/** SQLite's plan for a captured query, its steps joined by ` | `. */
function planOf(raw: Database.Database, q: { sql: string; parameters: readonly unknown[] }): string {
  return (raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ detail: string }>)
    .map((r) => r.detail)
    .join(' | ');
}

describe('SQLite query plans for make + state pages', () => {
  let dir: string;
  let raw: Database.Database;
  let db: Db;
  const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ds-plans-'));
    const file = join(dir, 'plans.db');
    const migrated = openDb(`sqlite:${file}`);
    await migrate(migrated);
    await migrated.close();
    raw = new Database(file);
    const kysely = new Kysely<Schema>({
      dialect: new SqliteDialect({ database: raw }),
      log: (e) => {
        captured.push({ sql: e.query.sql, parameters: e.query.parameters });
      },
    });
    db = { kysely, dialect: 'sqlite', url: `sqlite:${file}`, stats: { queries: 0 }, ping: async () => {}, close: () => kysely.destroy() };
  });
  afterAll(async () => {
    raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(SORTS)('sort=%s: a range read on the make + state rank index, no sort step', async (sort) => {
    const req = { sort, filters: { makeKey: 'ford', state: 'TX' }, limit: 50 };
    captured.length = 0;
    await findKeysetPage(db, req, null, Date.UTC(2026, 10, 1));
    await findKeysetPage(db, req, { key: 1000, id: 10, tier: 0 }, Date.UTC(2026, 10, 1));
    await findOffsetPage(db, req, 3, Date.UTC(2026, 10, 1));
    // A cursor page is three reads on SQLite: the rest of the cursor's tie and the rows past it in
    // its rank tier, then the flagged tier from its start.
    expect(captured).toHaveLength(5);
    for (const q of captured) {
      const plan = planOf(raw, q);
      expect(plan).toContain(`opp_rank_make_state_${sort}_idx`);
      expect(plan).not.toContain('TEMP B-TREE');
    }
    // The tie read seeks on the tier, the sort value and the id, rather than stepping through the tie.
    expect(planOf(raw, captured[1]!)).toMatch(/rank_tier=\? AND \w+=\? AND (rowid|id)[<>]\?/);
    expect(planOf(raw, captured[3]!)).toMatch(/rank_tier>\?/);
  });

  it('a cursor inside one import batch seeks to its place in the tie, and a page runs on past the tie in order', async () => {
    // 3,000 listings stored in one batch share their created_at (the worst tie the newest sort
    // meets), and an older batch follows them.
    const tieAt = Date.UTC(2026, 8, 1);
    await ingestMadeListings(db, 3000, 5, 'TIE', tieAt);
    await ingestMadeListings(db, 200, 6, 'OLDER', tieAt - 60_000);
    const order = raw
      .prepare(
        'SELECT id, created_at, rank_tier FROM opportunities WHERE is_active = 1 AND rank_tier = 0 ORDER BY created_at DESC, id DESC',
      )
      .all() as Array<{ id: number; created_at: number; rank_tier: number }>;
    const tie = order.map((r, i) => ({ ...r, i })).filter((r) => r.created_at === tieAt);
    // Unflagged listings of the batch (a generated listing can trip an anomaly check and rank after them).
    expect(tie.length).toBeGreaterThan(2900);
    const req = { sort: 'newest' as const, filters: {}, limit: 50 };
    const pageAfter = async (i: number) => {
      const row = order[i]!;
      return (await findKeysetPage(db, req, { key: row.created_at, id: row.id, tier: 0 })).rows.map((r) => Number(r.id));
    };
    // Middle of the tie: the next 50 of the same batch.
    const middle = tie[Math.floor(tie.length / 2)]!.i;
    captured.length = 0;
    expect(await pageAfter(middle)).toEqual(order.slice(middle + 1, middle + 51).map((r) => r.id));
    expect(captured).toHaveLength(1);
    expect(planOf(raw, captured[0]!)).toMatch(/rank_tier=\? AND created_at=\? AND (rowid|id)<\?/);
    // Ten rows before the tie ends: those ten, then the first 40 of the older batch.
    const nearEnd = tie[tie.length - 11]!.i;
    captured.length = 0;
    expect(await pageAfter(nearEnd)).toEqual(order.slice(nearEnd + 1, nearEnd + 51).map((r) => r.id));
    // The rest of the tie, the older batch in the same tier (40 rows fill the page, so the flagged tier is not read).
    expect(captured).toHaveLength(2);
    expect(planOf(raw, captured[1]!)).toContain('opp_rank_newest_idx');
    expect(planOf(raw, captured[1]!)).not.toContain('TEMP B-TREE');
  });

  it("the quality monitor's 30-second samples read the recency indexes, slice after slice, without a sort step", async () => {
    // 600 active listings: the sample takes a first slice and keyed continuations.
    await ingestMadeListings(db, 600, 9, 'PLAN', Date.UTC(2026, 10, 1));
    captured.length = 0;
    await measureQuality(db, Date.UTC(2026, 10, 1));
    const sampled = captured.filter((q) => /order by "(listings|opportunities)"\."updated_at" desc, "\1"\."id" desc/.test(q.sql));
    const tables = sampled.map((q) => /from "(\w+)"/.exec(q.sql)?.[1]);
    expect(tables.filter((t) => t === 'listings').length).toBeGreaterThanOrEqual(2);
    expect(tables.filter((t) => t === 'opportunities').length).toBeGreaterThanOrEqual(2);
    for (const q of sampled) {
      const plan = planOf(raw, q);
      expect(plan).toMatch(/(listings|opp)_recent_idx/);
      expect(plan).not.toContain('TEMP B-TREE');
    }
  });
});

describe('SQLite query plan of an import', () => {
  it("looks its chunk's lots, its VINs' stored holders, its lots' flags and its new VINs' patterns up by index rather than scanning", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-plans-import-'));
    const file = join(dir, 'import.db');
    const migrated = openDb(`sqlite:${file}`);
    await migrate(migrated);
    await migrated.close();
    const raw = new Database(file);
    const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
    const kysely = new Kysely<Schema>({
      dialect: new SqliteDialect({ database: raw }),
      log: (e) => {
        captured.push({ sql: e.query.sql, parameters: e.query.parameters });
      },
    });
    const db: Db = {
      kysely,
      dialect: 'sqlite',
      url: `sqlite:${file}`,
      stats: { queries: 0 },
      ping: async () => {},
      close: () => kysely.destroy(),
    };
    try {
      await ingestMadeListings(db, 300, 3, 'IMP', Date.UTC(2026, 10, 1));
      const lookups = captured.filter((q) => /^select "id", "source", "lot_id", "content_hash", "vin" from "listings"/.test(q.sql));
      expect(lookups.length).toBeGreaterThan(0);
      for (const q of lookups) expect(planOf(raw, q)).toMatch(/SEARCH listings USING INDEX \S+ \(source=\? AND lot_id=\?\)/);
      // A second file, with the first one stored: its VINs' stored holders (duplicate-VIN peers)
      // and its lots' earlier flags are index seeks. As full scans they grew with the store: 1.8 s
      // of a 20,000-listing import into 120 k stored listings.
      captured.length = 0;
      const withVins = makeListings(300, 4, 'IMQ').map((l, i) => ({
        ...l,
        vin: makeVin('1FTFW1E5', YEAR_CODES[l.year - 2010]!, String(5000 + i)),
      }));
      await ingestListings(
        db,
        { accepted: withVins.map((listing, i) => ({ row: i + 1, listing })), rejected: [] },
        { origin: 'test', now: Date.UTC(2026, 10, 2), params: defaultArbitrageParams() },
      );
      const byVin = captured.filter((q) => /^select .* from "listings" where "is_active" = \? and "vin" in/.test(q.sql));
      const flags = captured.filter((q) => /^select .* from "quality_anomalies" where "lot_id" in/.test(q.sql));
      expect(byVin.length).toBeGreaterThan(0);
      expect(flags.length).toBeGreaterThan(0);
      for (const q of byVin) expect(planOf(raw, q)).toMatch(/^SEARCH listings USING INDEX listings_vin_idx \(vin=\?\)$/);
      for (const q of flags)
        expect(planOf(raw, q)).toMatch(/^SEARCH quality_anomalies USING INDEX quality_anomalies_lot_idx \(lot_id=\?\)$/);
      // New VINs of stored patterns: one decode per pattern, found through the pattern index.
      captured.length = 0;
      const found = await loadPatternDecodes(db, [makeVin('1FTFW1E5', 'C', '990001'), makeVin('1FTFW1E5', 'D', '990002')], 'any release');
      expect(found).toEqual([]);
      const byPattern = captured.filter((q) => /^select \* from "vin_decodes" where "vin" in \(select min/.test(q.sql));
      expect(byPattern).toHaveLength(1);
      const plan = planOf(raw, byPattern[0]!);
      expect(plan).toMatch(/SEARCH vin_decodes USING COVERING INDEX vin_decodes_pattern_idx \(<expr>=\? AND decoder=\?\)/);
      expect(plan).not.toMatch(/SCAN vin_decodes/);
    } finally {
      await kysely.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
