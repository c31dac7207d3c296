// A bulk import's connection asks for a bigger SQLite page cache (openDb's pageCacheKib): a
// transaction whose dirty pages outgrow the cache has SQLite spill them to the WAL and read them
// back, while a serving connection keeps the 4 MB that holds its replica's RSS down.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, SQLITE_CACHE_KIB } from './db.js';

const dir = mkdtempSync(join(tmpdir(), 'ds-page-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 3000;

/** Read system calls this process has made (Linux's /proc/self/io): SQLite reads pages with pread. */
const readCalls = (): number => Number(/^syscr: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

/**
 * One transaction rewriting 3,000 one-page rows (12 MB) twice, on a fresh connection with the cache
 * asked for: the read calls it made, and the cache size the connection reports (negative KiB).
 */
async function rewriteTwice(name: string, pageCacheKib?: number): Promise<{ reads: number; cacheSize: number }> {
  const file = join(dir, `${name}.db`);
  const setup = openDb(`sqlite:${file}`);
  await sql.raw('CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB NOT NULL)').execute(setup.kysely);
  await sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) INSERT INTO blobs (id, b) SELECT i, randomblob(3900) FROM n`.execute(
    setup.kysely,
  );
  await setup.close();
  // No checkpoint in either case: copying the WAL into the file would read pages too.
  const db = openDb(`sqlite:${file}`, { walCheckpointPages: 100_000, ...(pageCacheKib === undefined ? {} : { pageCacheKib }) });
  try {
    const cacheSize = (await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(db.kysely)).rows[0]!.cache_size;
    const before = readCalls();
    await db.kysely.transaction().execute(async (trx) => {
      for (let pass = 0; pass < 2; pass++) await sql`UPDATE blobs SET b = randomblob(3900)`.execute(trx);
    });
    return { reads: readCalls() - before, cacheSize };
  } finally {
    await db.close();
  }
}

describe('SQLite page cache', () => {
  it('stays at 4 MB unless asked, and holds a transaction the default spills and reads back', async () => {
    const service = await rewriteTwice('service');
    expect(service.cacheSize).toBe(-SQLITE_CACHE_KIB);
    const bulk = await rewriteTwice('bulk', 16 * 1024);
    expect(bulk.cacheSize).toBe(-16 * 1024);
    // Both read the 3,000 pages once; only the 4 MB cache (about 1,000 pages) reads them again.
    expect(service.reads).toBeGreaterThan(ROWS * 1.5);
    expect(bulk.reads).toBeLessThan(ROWS * 1.3);
  });

  it('refuses a size that is not a positive whole number of KiB', () => {
    for (const bad of [0, -5, 1.5, Number.NaN])
      expect(() => openDb(`sqlite:${join(dir, 'bad.db')}`, { pageCacheKib: bad })).toThrow(/pageCacheKib must be a positive integer/);
  });
});
