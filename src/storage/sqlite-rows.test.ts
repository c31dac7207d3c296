import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from './db.js';
import { migrate } from '../schema/migrate.js';
import { driverStatement } from './sqlite-rows.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

describe('SQLite rows built from raw arrays', () => {
  let raw: BetterSqlite3.Database;

  beforeEach(() => {
    raw = new Sqlite(':memory:');
    raw.exec(`CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT, price REAL, blob BLOB, big INTEGER);
      CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, name TEXT);
      INSERT INTO a VALUES (1, 'Ford "F-150"', 12.5, x'00ff', 9007199254740991), (2, NULL, NULL, NULL, -3);
      INSERT INTO b VALUES (10, 1, 'first'), (11, 1, 'second'), (12, 2, NULL);`);
  });
  afterEach(() => raw.close());

  // better-sqlite3's own object rows are the reference: Kysely and every query were written against them.
  const same = (text: string, params: unknown[] = []) => {
    const expected = raw.prepare(text).all(...params);
    const stmt = driverStatement(raw.prepare(text));
    expect(stmt.all(params)).toEqual(expected);
    expect([...stmt.iterate(params)]).toEqual(expected);
    return expected;
  };

  it('gives the same rows as better-sqlite3 for every column type, NULLs and parameters', () => {
    const rows = same('SELECT * FROM a WHERE id >= ? ORDER BY id', [1]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({ id: 1, name: 'Ford "F-150"', price: 12.5, blob: Buffer.from([0, 255]), big: 9007199254740991 });
    same('SELECT * FROM a WHERE id = ?', [2]);
    same('SELECT * FROM a WHERE id = ?', [99]);
    same('SELECT count(*) AS n, sum(price) AS total FROM a');
  });

  it('keeps the last of duplicate column names, as better-sqlite3 does, and quotes any name', () => {
    const rows = same('SELECT a.*, b.* FROM a JOIN b ON b.a_id = a.id ORDER BY b.id');
    // b.id and b.name overwrite a's columns of the same name.
    expect(rows[0]).toMatchObject({ id: 10, name: 'first', price: 12.5 });
    same(`SELECT 1 AS "we""ird\\name", 2 AS "new
line", 3 AS "constructor"`);
  });

  it('leaves statements that write, and results with a __proto__ column, to better-sqlite3', () => {
    const insert = raw.prepare('INSERT INTO b (a_id, name) VALUES (?, ?)');
    expect(driverStatement(insert)).toBe(insert);
    const proto = raw.prepare('SELECT 1 AS "__proto__"');
    expect(driverStatement(proto)).toBe(proto);
    const stmt = driverStatement(raw.prepare('INSERT INTO b (a_id, name) VALUES (?, ?)'));
    expect(stmt.run([2, 'third']).changes).toBe(1);
  });
});

describe('Kysely on SQLite with the raw-array statements', () => {
  let db: Db;
  beforeEach(async () => {
    db = openDb('sqlite::memory:');
    await migrate(db);
  });
  afterEach(async () => db.close());

  it('reads, writes and streams as before: repeated shapes reuse one prepared statement', async () => {
    await db.kysely
      .insertInto('settings')
      .values([
        { key: 'a', value: '1', updated_at: 5 },
        { key: 'b', value: '2', updated_at: 6 },
      ])
      .execute();
    for (const key of ['a', 'b', 'missing']) {
      const row = await db.kysely.selectFrom('settings').selectAll().where('key', '=', key).executeTakeFirst();
      expect(row).toEqual(key === 'missing' ? undefined : { key, value: key === 'a' ? '1' : '2', updated_at: key === 'a' ? 5 : 6 });
    }
    const streamed: unknown[] = [];
    for await (const row of db.kysely.selectFrom('settings').select('key').orderBy('key').stream()) streamed.push(row);
    expect(streamed).toEqual([{ key: 'a' }, { key: 'b' }]);
  });
});
