// The import CLI's connection checkpoints its WAL less often (openDb's walCheckpointPages): the
// WAL then holds what the commits wrote since the last checkpoint, up to the bound, where SQLite's
// default of 1,000 pages would have copied it into the database and started the WAL over.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from './db.js';

const dir = mkdtempSync(join(tmpdir(), 'ds-wal-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAGE = 4096;

/** Writes about 2,500 pages in 25 commits and answers the WAL file's size in pages, the connection still open. */
async function walPagesAfterWrites(name: string, walCheckpointPages?: number): Promise<{ pages: number; setting: number }> {
  const file = join(dir, `${name}.db`);
  const db = openDb(`sqlite:${file}`, walCheckpointPages === undefined ? {} : { walCheckpointPages });
  try {
    const setting = (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db.kysely)).rows[0]!.wal_autocheckpoint;
    await sql.raw('CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB NOT NULL)').execute(db.kysely);
    for (let t = 0; t < 25; t++)
      await db.kysely.transaction().execute(async (trx) => {
        // One overflow page and a leaf cell a row: about a hundred pages a commit.
        for (let i = 0; i < 100; i++) await sql`INSERT INTO blobs (b) VALUES (randomblob(3900))`.execute(trx);
      });
    return { pages: Math.round(statSync(`${file}-wal`).size / PAGE), setting };
  } finally {
    await db.close();
  }
}

describe('SQLite WAL checkpoints', () => {
  it("keep SQLite's default of 1,000 pages unless asked, and checkpoint at the bound asked for", async () => {
    const byDefault = await walPagesAfterWrites('default');
    expect(byDefault.setting).toBe(1000);
    // Checkpointed every thousand pages or so: the WAL starts over and never grows far past it.
    expect(byDefault.pages).toBeLessThan(1300);
    const bulk = await walPagesAfterWrites('bulk', 10_000);
    expect(bulk.setting).toBe(10_000);
    // Never checkpointed: every page the 25 commits wrote is still in the WAL.
    expect(bulk.pages).toBeGreaterThan(2400);
  });

  it('refuses a bound that is not a positive whole number of pages', () => {
    for (const bad of [0, -5, 1.5, Number.NaN])
      expect(() => openDb(`sqlite:${join(dir, 'bad.db')}`, { walCheckpointPages: bad })).toThrow(
        /walCheckpointPages must be a positive integer/,
      );
  });
});
