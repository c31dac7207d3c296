// Small key/value settings shared by every replica through the database.
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';

export async function getSetting(db: Db, key: string): Promise<string | null> {
  const row = await db.kysely.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

export async function setSetting(db: Db, key: string, value: string, now = Date.now()): Promise<void> {
  await db.kysely
    .insertInto('settings')
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}

/** A random secret created once per database, so every replica on it agrees without configuration. */
export async function sharedSecret(db: Db, key: string): Promise<string> {
  await db.kysely
    .insertInto('settings')
    .values({ key, value: randomBytes(32).toString('base64url'), updated_at: Date.now() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await getSetting(db, key)) as string;
}
