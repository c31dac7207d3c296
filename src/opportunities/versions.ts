// The counters readers key off: the commit-ordered change number every opportunity write
// carries, the data version caches key their entries by, and the comps version in the engine's
// fingerprint.
import { sql, type Kysely } from 'kysely';
import { durableCommit, type Database, type Db } from '../storage/index.js';

/**
 * The next commit-ordered change number (opportunities_007). Call it inside the writing
 * transaction, as late as possible: on PostgreSQL the counter row stays locked until this
 * transaction ends, so every other writer that wants a number waits for this commit and gets a
 * larger one. Numbers therefore become visible in commit order, which neither a clock nor a
 * sequence gives.
 */
export async function nextChangeSeq(trx: Kysely<Database>): Promise<number> {
  const row = await trx
    .updateTable('opportunity_change_counter')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('id', '=', 1)
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/** The last change number handed out (committed or in flight). */
export async function readChangeSeq(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('opportunity_change_counter').select('value').where('id', '=', 1).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

type VersionKey = 'data_version' | 'comps_version';

// One atomic UPDATE … RETURNING, so concurrent importers never hand out the same version. Committed
// durably: replicas move their caches to the new number at once, and an import that commits its
// batches asynchronously (openDb's asyncCommit) must not have a crash take back a number they saw,
// nor the rows it stands for, which were committed before it.
async function bumpVersion(db: Db, key: VersionKey, now: number): Promise<number> {
  return durableCommit(db, async (trx) => {
    await trx
      .insertInto('settings')
      .values({ key, value: '0', updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await trx
      .updateTable('settings')
      .set({ value: sql<string>`CAST(CAST(value AS BIGINT) + 1 AS TEXT)`, updated_at: now })
      .where('key', '=', key)
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  });
}

async function readVersion(db: Db, key: VersionKey): Promise<number> {
  const row = await db.kysely.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

/** Bumps the data version that caches key their entries by, so replicas drop stale pages at once. */
export const bumpDataVersion = (db: Db, now: number): Promise<number> => bumpVersion(db, 'data_version', now);
export const readDataVersion = (db: Db): Promise<number> => readVersion(db, 'data_version');

/** The version of the comparables: bumped by every comps import that added any, part of the engine fingerprint. */
export const bumpCompsVersion = (db: Db, now: number): Promise<number> => bumpVersion(db, 'comps_version', now);
export const readCompsVersion = (db: Db): Promise<number> => readVersion(db, 'comps_version');
