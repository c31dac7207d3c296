// atomicWrite against both real databases: a write of several statements lands whole or not at
// all; on PostgreSQL a single statement runs without BEGIN and COMMIT (its own transaction), and
// on SQLite every write keeps its transaction (the write lock first, the import's write group).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, requirePostgres, type TestDb } from '../../test/support/databases.js';
import { atomicWrite } from './atomic-write.js';

const pgOk = await requirePostgres();

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('atomicWrite on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  const keys = async () => (await sql<{ k: string }>`SELECT k FROM atomic_probe ORDER BY k`.execute(tdb.db.kysely)).rows.map((r) => r.k);

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    await sql`CREATE TABLE atomic_probe (k TEXT PRIMARY KEY)`.execute(tdb.db.kysely);
  });
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  it.runIf(run)('runs one write outside a transaction only on PostgreSQL, and several in one on both', async () => {
    const asked = () => tdb.db.stats.queries;
    let before = asked();
    const single = await atomicWrite(tdb.db, 1, async (k) => {
      await sql`INSERT INTO atomic_probe (k) VALUES ('one')`.execute(k);
      return k.isTransaction;
    });
    expect(single).toBe(dialect === 'sqlite');
    // PostgreSQL: the insert alone; SQLite: BEGIN IMMEDIATE, the insert, COMMIT.
    expect(asked() - before).toBe(dialect === 'postgres' ? 1 : 3);
    expect(await atomicWrite(tdb.db, 0, async (k) => k.isTransaction)).toBe(dialect === 'sqlite');
    before = asked();
    expect(await atomicWrite(tdb.db, 2, async (k) => k.isTransaction)).toBe(true);
    expect(asked() - before).toBe(2);
    expect(await keys()).toEqual(['one']);
  });

  it.runIf(run)('undoes every statement of a write of several when one fails', async () => {
    await expect(
      atomicWrite(tdb.db, 2, async (k) => {
        await sql`INSERT INTO atomic_probe (k) VALUES ('two')`.execute(k);
        await sql`INSERT INTO atomic_probe (k) VALUES ('one')`.execute(k);
      }),
    ).rejects.toThrow();
    expect(await keys()).toEqual(['one']);
  });
});

describe('atomicWrite on postgres, by transaction id', () => {
  let tdb: TestDb;
  beforeAll(async () => {
    if (pgOk) tdb = await createTestDb('postgres');
  });
  afterAll(async () => {
    if (pgOk) await tdb.drop();
  });

  it.runIf(pgOk)('gives each statement of a one-write call its own PostgreSQL transaction', async () => {
    const ids = await atomicWrite(tdb.db, 1, async (k) => {
      const a = await sql<{ id: string }>`SELECT txid_current()::text AS id`.execute(k);
      const b = await sql<{ id: string }>`SELECT txid_current()::text AS id`.execute(k);
      return [a.rows[0]!.id, b.rows[0]!.id];
    });
    expect(ids[0]).not.toBe(ids[1]);
    const shared = await atomicWrite(tdb.db, 2, async (k) => {
      const a = await sql<{ id: string }>`SELECT txid_current()::text AS id`.execute(k);
      const b = await sql<{ id: string }>`SELECT txid_current()::text AS id`.execute(k);
      return [a.rows[0]!.id, b.rows[0]!.id];
    });
    expect(shared[0]).toBe(shared[1]);
  });
});
