// Write groups on a real SQLite file: transactions joined into one are seen by another connection
// only when the group commits, a failed one takes its whole group with it (and nothing of that
// group can be committed afterwards), and between groups the write lock is free.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSqlite, openDb, type Db } from './db.js';

let dir: string;
let url: string;
let writer: Db;
let reader: Db;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-write-groups-'));
  url = `sqlite:${join(dir, 'g.db')}`;
  writer = openDb(url, { writeGroups: true });
  reader = openDb(url);
  await sql`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`.execute(writer.kysely);
});
afterEach(async () => {
  await Promise.all([writer.close(), reader.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The keys another connection sees committed. */
async function committed(): Promise<number[]> {
  const r = await sql<{ k: number }>`SELECT k FROM t ORDER BY k`.execute(reader.kysely);
  return r.rows.map((row) => row.k);
}

const insert = (db: Db, k: number) =>
  db.kysely.transaction().execute(async (trx) => {
    await sql`INSERT INTO t (k, v) VALUES (${k}, 'x')`.execute(trx);
  });

/** Whether another process could take SQLite's write lock at once (no busy wait). */
function lockFree(): boolean {
  const Sqlite = loadSqlite();
  const other = new Sqlite(join(dir, 'g.db'), { timeout: 0 });
  try {
    other.exec('BEGIN IMMEDIATE');
    other.exec('ROLLBACK');
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw err;
  } finally {
    other.close();
  }
}

describe('write groups (SQLite)', () => {
  it('are offered only where asked for', () => {
    expect(writer.writeGroups).toBeDefined();
    expect(reader.writeGroups).toBeUndefined();
  });

  it('leave each transaction committing on its own while no group is open', async () => {
    await insert(writer, 1);
    expect(await committed()).toEqual([1]);
    expect(lockFree()).toBe(true);
  });

  it('commit a group’s transactions together, and hold the lock only from its first write to its commit', async () => {
    const groups = writer.writeGroups!;
    groups.open();
    // Opened, not begun: another writer can still take the lock.
    expect(lockFree()).toBe(true);
    await insert(writer, 1);
    await insert(writer, 2);
    expect(await committed()).toEqual([]);
    expect(lockFree()).toBe(false);
    await groups.commit();
    expect(await committed()).toEqual([1, 2]);
    expect(lockFree()).toBe(true);
    // The next group is a fresh one.
    groups.open();
    await insert(writer, 3);
    await groups.commit();
    expect(await committed()).toEqual([1, 2, 3]);
  });

  it('roll the whole group back when one transaction fails, and refuse to commit anything of it', async () => {
    const groups = writer.writeGroups!;
    await insert(writer, 1);
    groups.open();
    await insert(writer, 2);
    // The duplicate key fails in the middle of a transaction that already wrote a row.
    await expect(
      writer.kysely.transaction().execute(async (trx) => {
        await sql`INSERT INTO t (k, v) VALUES (3, 'x')`.execute(trx);
        await sql`INSERT INTO t (k, v) VALUES (1, 'x')`.execute(trx);
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(lockFree()).toBe(true);
    // A caller that caught the failure and went on: its next transaction never runs.
    let ran = false;
    await expect(
      writer.kysely.transaction().execute(async () => {
        ran = true;
      }),
    ).rejects.toThrow(/earlier transaction of this write group failed/);
    expect(ran).toBe(false);
    await expect(groups.commit()).rejects.toThrow(/nothing of it committed/);
    expect(await committed()).toEqual([1]);
    // Closed by the failed commit: transactions commit on their own again.
    await insert(writer, 4);
    expect(await committed()).toEqual([1, 4]);
  });

  it('roll back on request', async () => {
    const groups = writer.writeGroups!;
    groups.open();
    await insert(writer, 1);
    await groups.rollback();
    expect(await committed()).toEqual([]);
    expect(lockFree()).toBe(true);
    // Nothing begun: nothing to undo.
    groups.open();
    await groups.rollback();
    await insert(writer, 2);
    expect(await committed()).toEqual([2]);
  });

  it('commit only once the transaction in progress has finished, with its outcome', async () => {
    const groups = writer.writeGroups!;
    for (const outcome of ['commits', 'fails'] as const) {
      groups.open();
      let finish!: () => void;
      const gate = new Promise<void>((resolve) => (finish = resolve));
      const k = outcome === 'commits' ? 10 : 20;
      const running = writer.kysely.transaction().execute(async (trx) => {
        await sql`INSERT INTO t (k, v) VALUES (${k}, 'x')`.execute(trx);
        await gate;
        if (outcome === 'fails') throw new Error('the batch failed');
      });
      const commit = groups.commit();
      finish();
      if (outcome === 'commits') {
        await running;
        await commit;
      } else {
        await expect(running).rejects.toThrow('the batch failed');
        await expect(commit).rejects.toThrow(/nothing of it committed/);
      }
    }
    expect(await committed()).toEqual([10]);
  });

  it('refuse a second open group', () => {
    const groups = writer.writeGroups!;
    groups.open();
    expect(() => groups.open()).toThrow(/already open/);
  });
});
