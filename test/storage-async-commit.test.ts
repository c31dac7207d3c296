// A bulk import's PostgreSQL connection commits without waiting for the WAL flush; the writes others
// act on (the data version, the import's record) commit durably, and so flush every commit before
// them. Checked against the server's own WAL positions.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpDataVersion } from '../src/opportunities/index.js';
import { closeImport, openImport } from '../src/ingest/import-records.js';
import { durableCommit } from '../src/storage/durable-commit.js';
import { openDb, type Db } from '../src/storage/db.js';
import { createPostgresDb, requirePostgres, type TestDb } from './support/databases.js';

const pgOk = await requirePostgres();

const setting = async (db: Db): Promise<string> =>
  (await sql<{ s: string }>`SELECT current_setting('synchronous_commit') AS s`.execute(db.kysely)).rows[0]!.s;

/** The WAL written so far, and how much of it is on disk, as byte positions. */
async function wal(db: Db): Promise<{ inserted: bigint; flushed: bigint }> {
  const r = await sql<{ inserted: string; flushed: string }>`
    SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn AS inserted, pg_current_wal_flush_lsn() - '0/0'::pg_lsn AS flushed`.execute(
    db.kysely,
  );
  return { inserted: BigInt(r.rows[0]!.inserted), flushed: BigInt(r.rows[0]!.flushed) };
}

/** An asynchronous commit: a settings row written on the import's kind of connection. */
async function asyncWrite(db: Db, key: string): Promise<void> {
  await db.kysely
    .insertInto('settings')
    .values({ key, value: 'x', updated_at: 0 })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: 'y' }))
    .execute();
}

describe.runIf(pgOk)('asynchronous commits for a bulk import (PostgreSQL)', () => {
  let tdb: TestDb;
  let bulk: Db;
  beforeAll(async () => {
    tdb = await createPostgresDb();
    bulk = openDb(tdb.url, { asyncCommit: true, poolSize: 1 });
  });
  afterAll(async () => {
    await bulk?.close();
    await tdb?.drop();
  });

  it('turns synchronous commit off for the import connection only', async () => {
    expect(await setting(bulk)).toBe('off');
    expect(await setting(tdb.db)).toBe('on');
  });

  it("keeps the operator's own session options", async () => {
    const withOptions = openDb(`${tdb.url}?options=${encodeURIComponent('-c statement_timeout=12345')}`, {
      asyncCommit: true,
      poolSize: 1,
    });
    try {
      expect(await setting(withOptions)).toBe('off');
      const timeout = await sql<{ t: string }>`SELECT current_setting('statement_timeout') AS t`.execute(withOptions.kysely);
      expect(timeout.rows[0]!.t).toBe('12345ms');
    } finally {
      await withOptions.close();
    }
  });

  it('commits durably inside durableCommit, and only there', async () => {
    const inside = await durableCommit(
      bulk,
      async (trx) => (await sql<{ s: string }>`SELECT current_setting('synchronous_commit') AS s`.execute(trx)).rows[0]!.s,
    );
    expect(inside).toBe('on');
    expect(await setting(bulk)).toBe('off');
  });

  it('a data version bump and a closed import leave every earlier commit on disk', async () => {
    for (const step of ['bump', 'close'] as const) {
      for (let i = 0; i < 20; i++) await asyncWrite(bulk, `async-${step}-${i}`);
      const before = await wal(bulk);
      if (step === 'bump') await bumpDataVersion(bulk, Date.now());
      else
        await closeImport(bulk, await openImport(bulk, 'listings', 'test', Date.now()), {
          accepted: 0,
          rejected: 0,
          created: 0,
          updated: 0,
          unchanged: 0,
        });
      const after = await wal(bulk);
      // The flush reached at least the WAL the asynchronous commits had written before the step.
      expect(after.flushed, step).toBeGreaterThanOrEqual(before.inserted);
    }
  });
});
