// The `database` breaker in the running app (real SQLite, real cache in front): a read path that
// fails at 20 req/s opens it within a second; while open, uncached reads get 503 + Retry-After and
// cached ones are still served; /readyz and /metrics show it; once the database answers again a
// half-open trial closes it. The failure is real: the opportunities table is renamed away.
// Time is the test's: only `Date` is faked (cockatiel's sampling window and half-open delay, and
// the app's clock, read it), and the test moves it 50 ms per read, so "20 req/s" and "within a
// second" are exact however fast or loaded the machine; timers stay real.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDb, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { makeListings, storeTestListings } from './support/listings.js';

const HALF_OPEN_MS = 1500;
const READ_EVERY_MS = 50;
/** Moves the faked `Date` on; nothing else of time is faked. */
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('database breaker in the app', () => {
  let tdb: TestDb;
  let t: TestApp;
  let ids: number[];

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    await storeTestListings(tdb.db, makeListings(40, 3));
    t = await buildTestApp(tdb.db, { BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS) });
    ids = (await tdb.db.kysely.selectFrom('opportunities').select('id').orderBy('id').execute()).map((r) => Number(r.id));
  });
  afterAll(async () => {
    vi.useRealTimers();
    await t.app.close();
    await tdb.drop();
  });

  it('opens under failing load, serves cached reads, refuses uncached ones with 503, then recovers', async () => {
    const get = (url: string) => t.app.inject({ method: 'GET', url });
    // Warm the cache with one page and one detail.
    expect((await get('/api/opportunities?cursor=&limit=5')).statusCode).toBe(200);
    expect((await get(`/api/opportunities/${ids[0]}`)).statusCode).toBe(200);

    vi.useFakeTimers({ toFake: ['Date'] });
    await sql`ALTER TABLE opportunities RENAME TO opportunities_away`.execute(tdb.db.kysely);
    const breaker = t.ctx.breakers.get('database');
    // Uncached detail reads, 20 per second of the test's time, until the breaker opens (at most 3 s).
    let failing = 0;
    while (breaker.state() !== 'open' && failing < 3000 / READ_EVERY_MS) {
      if (failing > 0) advance(READ_EVERY_MS);
      const res = await get(`/api/opportunities/${ids[++failing % ids.length]}`);
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
    }
    expect(breaker.state()).toBe('open');
    // Within a second: the reads of one second at 20 req/s, and the breaker's own detection time.
    expect(failing).toBeLessThanOrEqual(1000 / READ_EVERY_MS);
    expect(breaker.stats.lastDetectionMs).toBe((failing - 1) * READ_EVERY_MS);
    expect(breaker.stats.lastDetectionMs).toBeLessThan(1000);

    const refused = await get(`/api/opportunities/${ids[ids.length - 1]}`);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('dependency_unavailable');
    const retry = Number(refused.headers['retry-after']);
    expect(retry).toBe(Math.ceil(HALF_OPEN_MS / 1000));

    // Cached reads do not touch the database.
    expect((await get('/api/opportunities?cursor=&limit=5')).statusCode).toBe(200);
    expect((await get(`/api/opportunities/${ids[0]}`)).statusCode).toBe(200);

    const ready = (await get('/readyz')).json();
    expect(ready.components.circuit_breakers.detail.database).toBe('open');
    expect((await get('/metrics')).body).toMatch(/dealerscope_circuit_breaker_state\{breaker="database"\} 2/);
    // The read probe failed too, so this open is not a false positive.
    await breaker.lastJudgement;
    expect(breaker.stats.falsePositives).toBe(0);

    await sql`ALTER TABLE opportunities_away RENAME TO opportunities`.execute(tdb.db.kysely);
    advance(HALF_OPEN_MS);
    expect((await get(`/api/opportunities/${ids[ids.length - 1]}`)).statusCode).toBe(200);
    expect(breaker.state()).toBe('closed');
    expect((await get('/metrics')).body).toMatch(/dealerscope_circuit_breaker_state\{breaker="database"\} 0/);
  });
});
