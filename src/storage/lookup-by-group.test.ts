// lookupByGroup against both real databases: stored listings found by lot within their source,
// none by a lot stored under another source, and the round trips it takes: the sources' lookups
// packed into statements of at most 1,000 lots on PostgreSQL, one statement of at most 300 lots
// per source on SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, requirePostgres, type TestDb } from '../../test/support/databases.js';
import { makeListings, storeTestListings } from '../../test/support/listings.js';
import { lookupByGroup } from './lookup-by-group.js';

const pgOk = await requirePostgres();

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('lookupByGroup on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  const bySource = new Map<string, string[]>();
  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    const listings = makeListings(2000, 5, 'LBG');
    await storeTestListings(tdb.db, listings);
    for (const l of listings) bySource.set(l.source, [...(bySource.get(l.source) ?? []), l.lotId]);
  });
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  const lookup = (pairs: ReadonlyArray<readonly [string, string]>) =>
    lookupByGroup(tdb.db.dialect, pairs, (source, lots) =>
      tdb.db.kysely.selectFrom('listings').select(['source', 'lot_id']).where('source', '=', source).where('lot_id', 'in', lots),
    );
  const found = (rows: Array<{ source: string; lot_id: string }>) => rows.map((r) => `${r.source}/${r.lot_id}`).sort();

  it.runIf(run)('finds each source’s lots, and a lot only under the source that stores it', async () => {
    const sources = [...bySource.keys()];
    expect(sources.length).toBeGreaterThanOrEqual(3);
    const pairs: Array<readonly [string, string]> = [];
    for (const [source, lots] of bySource) for (const lot of lots.slice(0, 200)) pairs.push([source, lot], [source, lot]);
    // Another source's lot, and a lot nobody stored.
    pairs.push([sources[0]!, bySource.get(sources[1]!)![0]!], [sources[1]!, 'LBG-none']);
    const before = tdb.db.stats.queries;
    const rows = await lookup(pairs);
    const statements = tdb.db.stats.queries - before;
    const wanted = [...bySource].flatMap(([source, lots]) => lots.slice(0, 200).map((lot) => `${source}/${lot}`)).sort();
    expect(found(rows)).toEqual(wanted);
    // PostgreSQL: every source's lots in one statement; SQLite: a statement per source.
    expect(statements).toBe(dialect === 'postgres' ? 1 : sources.length);
  });

  it.runIf(run)('asks for at most 1,000 lots a statement on PostgreSQL and 300 on SQLite', async () => {
    const lots = [...bySource].map(([source, all]) => all.slice(0, 400).map((lot) => [source, lot] as const));
    expect(lots.every((l) => l.length === 400)).toBe(true);
    const pairs = lots.flat();
    const before = tdb.db.stats.queries;
    const rows = await lookup(pairs);
    const statements = tdb.db.stats.queries - before;
    expect(found(rows)).toEqual(pairs.map(([s, l]) => `${s}/${l}`).sort());
    // 400 lots a source: two sources to a statement on PostgreSQL; 300 and 100 on SQLite.
    expect(statements).toBe(dialect === 'postgres' ? Math.ceil(lots.length / 2) : 2 * lots.length);
  });
});
