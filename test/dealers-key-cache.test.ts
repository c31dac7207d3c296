// Remembered key lookups (security/api-keys.ts): a dealer's keyed requests stop asking the
// database for the key and the dealer on every request, yet a revocation or profile change made in
// the same process takes effect on the very next request, and one made by another process (another
// database handle: a replica, the CLI) within KEY_LOOKUP_TTL_MS of the injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DealerStore } from '../src/dealers/store.js';
import { findActiveKey, KEY_LOOKUP_TTL_MS, rememberedActiveKey } from '../src/security/api-keys.js';
import { openDb, type Db } from '../src/storage/db.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';

const pgOk = await requirePostgres();

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('remembered dealer key lookups on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let other: Db;
  let now = Date.UTC(2026, 10, 1);
  let store: DealerStore;
  let elsewhere: DealerStore;

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    // A second handle on the same database: what another process sees and does.
    other = openDb(tdb.url);
    store = new DealerStore(tdb.db, () => now);
    elsewhere = new DealerStore(other, () => now);
  }, 60_000);
  afterAll(async () => {
    await other?.close();
    await tdb?.drop();
  });

  it.runIf(run)('repeated lookups of one key ask the database once per interval', async () => {
    const { apiKey } = await store.create({ name: 'Repeat Motors', zip: '75201' }, now);
    const before = tdb.db.stats.queries;
    for (let i = 0; i < 20; i++) {
      expect((await store.byApiKey(apiKey))?.name).toBe('Repeat Motors');
      expect((await findActiveKey(tdb.db, apiKey, now))?.name).toBe('dealer: Repeat Motors');
    }
    expect(tdb.db.stats.queries - before).toBe(2);
    now += KEY_LOOKUP_TTL_MS;
    await store.byApiKey(apiKey);
    expect(tdb.db.stats.queries - before).toBe(3);
    // An unknown key is never remembered as unknown: each asks.
    const unknown = `${apiKey.slice(0, -4)}AAAA`;
    expect(await store.byApiKey(unknown)).toBeNull();
    expect(await store.byApiKey(unknown)).toBeNull();
    expect(tdb.db.stats.queries - before).toBe(5);
  });

  it.runIf(run)('a revocation or profile change in this process applies to the very next lookup', async () => {
    const { id, apiKey } = await store.create({ name: 'Soon Gone', zip: '75201' }, now);
    const seen = await store.byApiKey(apiKey);
    expect(await findActiveKey(tdb.db, apiKey, now)).not.toBeNull();
    await store.update(id, { targetProfit: 2500 }, now);
    const changed = await store.byApiKey(apiKey);
    expect(changed?.version).toBe((seen?.version ?? 0) + 1);
    expect(changed?.targetProfitCents).toBe(250_000);
    // What the rate limiter reads without a promise follows the same rules (the update forgot it).
    expect(rememberedActiveKey(tdb.db, apiKey, now)).toBeUndefined();
    await findActiveKey(tdb.db, apiKey, now);
    expect(rememberedActiveKey(tdb.db, apiKey, now)?.name).toBe('dealer: Soon Gone');
    expect(rememberedActiveKey(tdb.db, apiKey, now + KEY_LOOKUP_TTL_MS)).toBeUndefined();
    expect(await store.revoke(id, now)).toBe(true);
    expect(rememberedActiveKey(tdb.db, apiKey, now)).toBeUndefined();
    expect(await store.byApiKey(apiKey)).toBeNull();
    expect(await findActiveKey(tdb.db, apiKey, now)).toBeNull();
  });

  it.runIf(run)('a revocation by another process applies here within the interval', async () => {
    const { id, apiKey } = await store.create({ name: 'Far Away', zip: '75201' }, now);
    expect(await store.byApiKey(apiKey)).not.toBeNull();
    expect(await findActiveKey(tdb.db, apiKey, now)).not.toBeNull();
    expect(await elsewhere.revoke(id, now)).toBe(true);
    now += KEY_LOOKUP_TTL_MS - 1;
    expect(await store.byApiKey(apiKey)).not.toBeNull(); // still remembered here
    now += 1;
    expect(await store.byApiKey(apiKey)).toBeNull();
    expect(await findActiveKey(tdb.db, apiKey, now)).toBeNull();
  });
});
