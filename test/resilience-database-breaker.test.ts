// The `database` breaker in the running app (real SQLite, real cache in front): a read path that
// fails at 20 req/s opens it within a second; while open, uncached reads get 503 + Retry-After and
// cached ones are still served; /readyz and /metrics show it; once the database answers again a
// half-open trial closes it. The failure is real: the opportunities table is renamed away.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { CompIndex } from '../src/opportunities/comps-store.js';
import { storeListings } from '../src/opportunities/store.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { makeListings } from './support/listings.js';

const HALF_OPEN_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('database breaker in the app', () => {
  let tdb: TestDb;
  let t: TestApp;
  let ids: number[];

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    await storeListings(tdb.db, makeListings(40, 3), {
      origin: 'test',
      isSample: false,
      now: Date.UTC(2026, 10, 1),
      params: defaultArbitrageParams(),
      comps: new CompIndex(),
    });
    t = await buildTestApp(tdb.db, { BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS) });
    ids = (await tdb.db.kysely.selectFrom('opportunities').select('id').orderBy('id').execute()).map((r) => Number(r.id));
  });
  afterAll(async () => {
    await t.app.close();
    await tdb.drop();
  });

  it('opens under failing load, serves cached reads, refuses uncached ones with 503, then recovers', async () => {
    const get = (url: string) => t.app.inject({ method: 'GET', url });
    // Warm the cache with one page and one detail.
    expect((await get('/api/opportunities?cursor=&limit=5')).statusCode).toBe(200);
    expect((await get(`/api/opportunities/${ids[0]}`)).statusCode).toBe(200);

    await sql`ALTER TABLE opportunities RENAME TO opportunities_away`.execute(tdb.db.kysely);
    const breaker = t.ctx.breakers.get('database');
    const started = Date.now();
    let i = 1;
    // 20 uncached detail reads per second until the breaker opens (bounded at 3 s).
    while (breaker.state() !== 'open' && Date.now() - started < 3000) {
      const res = await get(`/api/opportunities/${ids[i++ % ids.length]}`);
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
      await sleep(50);
    }
    const detectedMs = Date.now() - started;
    expect(breaker.state()).toBe('open');
    expect(detectedMs).toBeLessThan(1000);
    console.log(
      `database breaker opened ${detectedMs} ms after the first failing read (breaker's own measure: ${breaker.stats.lastDetectionMs} ms)`,
    );

    const refused = await get(`/api/opportunities/${ids[ids.length - 1]}`);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('dependency_unavailable');
    const retry = Number(refused.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(Math.ceil(HALF_OPEN_MS / 1000));

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
    await sleep(HALF_OPEN_MS + 50);
    expect((await get(`/api/opportunities/${ids[ids.length - 1]}`)).statusCode).toBe(200);
    expect(breaker.state()).toBe('closed');
    expect((await get('/metrics')).body).toMatch(/dealerscope_circuit_breaker_state\{breaker="database"\} 0/);
  });
});
