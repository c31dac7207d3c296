// Feature-flag admin API (README, Admin API) and the kill switch, through HTTP, on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAG_NAMES, FLAGS, v4Values } from '../src/flags/registry.js';
import { tokenId } from '../src/security/admin-auth.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { makeListings, storeTestListings } from './support/listings.js';

const pgOk = await requirePostgres();
const TOKEN = 'test-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('flag admin API on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let t: TestApp;

  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = AUTH) =>
    t.app.inject({
      method,
      url,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    await storeTestListings(tdb.db, makeListings(30, 3), Date.UTC(2026, 9, 1));
    t = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    if (!run) return;
    await t.app.close();
    await tdb.drop();
  });

  it.runIf(run)('answers 401 without a token and 403 with a wrong one', async () => {
    expect((await api('GET', '/admin/feature-flags', undefined, {})).statusCode).toBe(401);
    expect((await api('GET', '/admin/feature-flags', undefined, { authorization: 'Bearer wrong-token-wrong-token' })).statusCode).toBe(403);
    expect((await api('POST', '/admin/feature-flags', { ENABLE_TTL_JITTER: false }, {})).statusCode).toBe(401);
    expect((await api('GET', '/admin/audit', undefined, {})).statusCode).toBe(401);
  });

  it.runIf(run)('GET shows every flag, its layer, the phase and the kill switch', async () => {
    const res = await api('GET', '/admin/feature-flags');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body.flags).sort()).toEqual([...FLAG_NAMES].sort());
    expect(Object.keys(body.sources).sort()).toEqual([...FLAG_NAMES].sort());
    expect(body.emergency).toBe(false);
    expect(body.sources.MAX_BROWSER_CONTEXTS).toBe('profile');
    // The contract's shape: a number. Development records no phase: the rollout reads that as 4.
    expect(body).toMatchObject({ phase: 4, phaseRecorded: false });
  });

  it.runIf(run)('POST sets overrides, persists them and audits token id, old, new and reason', async () => {
    const res = await api(
      'POST',
      '/admin/feature-flags',
      { ENABLE_PRODUCTION_CACHE: false, MAX_BROWSER_CONTEXTS: 2 },
      { ...AUTH, 'x-change-reason': 'cache incident 42' },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().flags.ENABLE_PRODUCTION_CACHE).toBe(false);
    expect(res.json().sources.ENABLE_PRODUCTION_CACHE).toBe('override');
    expect(t.ctx.flags.get('MAX_BROWSER_CONTEXTS')).toBe(2);
    const rows = await tdb.db.kysely.selectFrom('flag_overrides').selectAll().orderBy('name').execute();
    expect(rows.map((r) => [r.name, JSON.parse(r.value_json)])).toEqual([
      ['ENABLE_PRODUCTION_CACHE', false],
      ['MAX_BROWSER_CONTEXTS', 2],
    ]);
    const audit = (await api('GET', '/admin/audit?limit=10')).json().entries;
    const cache = audit.find((e: { flag: string }) => e.flag === 'ENABLE_PRODUCTION_CACHE');
    expect(cache).toMatchObject({ actor: tokenId(TOKEN), old: null, new: false, reason: 'cache incident 42' });
    expect(Number.isNaN(Date.parse(cache.at))).toBe(false);
  });

  it.runIf(run)('an unknown flag or a wrongly typed value is a 400 and changes nothing', async () => {
    const before = (await api('GET', '/admin/feature-flags')).json();
    const auditBefore = (await api('GET', '/admin/audit?limit=1000')).json().entries.length;
    for (const body of [
      { ENABLE_TTL_JITTER: false, NOT_A_FLAG: true },
      { ENABLE_TTL_JITTER: false, MAX_BROWSER_CONTEXTS: 'lots' },
      { ENABLE_TTL_JITTER: 'false' },
      { CACHE_PROVIDER: 'memcached' },
      { MAX_BROWSER_CONTEXTS: 2.5 },
      [],
      {},
    ]) {
      const res = await api('POST', '/admin/feature-flags', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('invalid_flag_override');
    }
    expect((await api('GET', '/admin/feature-flags')).json()).toEqual(before);
    expect((await api('GET', '/admin/audit?limit=1000')).json().entries.length).toBe(auditBefore);
  });

  it.runIf(run)('DELETE clears an override and the flag falls back to the lower layers', async () => {
    const res = await api('DELETE', '/admin/feature-flags/MAX_BROWSER_CONTEXTS', undefined, { ...AUTH, 'x-change-reason': 'done' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().sources.MAX_BROWSER_CONTEXTS).toBe('profile');
    expect((await api('DELETE', '/admin/feature-flags/MAX_BROWSER_CONTEXTS')).statusCode).toBe(404);
    expect((await api('DELETE', '/admin/feature-flags/NOPE')).statusCode).toBe(400);
    const last = (await api('GET', '/admin/audit?limit=1&flag=MAX_BROWSER_CONTEXTS')).json().entries[0];
    expect(last).toMatchObject({ old: 2, new: null, reason: 'done' });
    await api('DELETE', '/admin/feature-flags/ENABLE_PRODUCTION_CACHE');
  });

  it.runIf(run)('EMERGENCY_ROLLBACK at runtime: the very next request gets v4 (legacy pages, no cursor, no cache)', async () => {
    // With v5 on, a repeated page is served from the cache: the database sees no second query.
    const url = '/api/opportunities?page=1&limit=10';
    expect((await api('GET', url)).statusCode).toBe(200);
    const q0 = tdb.db.stats.queries;
    expect((await api('GET', url)).statusCode).toBe(200);
    expect(tdb.db.stats.queries).toBe(q0);

    const on = await api('POST', '/admin/feature-flags', { EMERGENCY_ROLLBACK: true }, { ...AUTH, 'x-change-reason': 'kill switch drill' });
    expect(on.statusCode).toBe(200);
    expect(on.json().emergency).toBe(true);
    for (const [name, v4] of Object.entries(v4Values())) expect(on.json().flags[name], name).toBe(v4);

    const cursor = await api('GET', '/api/opportunities?cursor=');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().error.code).toBe('cursor_pagination_disabled');
    const plain = (await api('GET', '/api/opportunities?limit=5')).json();
    expect(Object.keys(plain).sort()).toEqual(['data', 'hasMore', 'total']);
    // No cache: every repeat of the same page goes to the database again.
    const q1 = tdb.db.stats.queries;
    expect((await api('GET', url)).statusCode).toBe(200);
    const q2 = tdb.db.stats.queries;
    expect((await api('GET', url)).statusCode).toBe(200);
    expect(q2).toBeGreaterThan(q1);
    expect(tdb.db.stats.queries).toBeGreaterThan(q2);
    expect((await api('GET', '/healthz')).statusCode).toBe(200);

    expect((await api('DELETE', '/admin/feature-flags/EMERGENCY_ROLLBACK')).statusCode).toBe(200);
    expect((await api('GET', '/api/opportunities?cursor=')).statusCode).toBe(200);
  });

  it.runIf(run)(
    'break glass wins: releasing the kill switch removes its override, so FF_EMERGENCY_ROLLBACK=true holds after a restart',
    async () => {
      const killRows = async () =>
        (await tdb.db.kysely.selectFrom('flag_overrides').selectAll().where('name', '=', 'EMERGENCY_ROLLBACK').execute()).length;
      for (const release of ['POST false', 'DELETE'] as const) {
        expect((await api('POST', '/admin/feature-flags', { EMERGENCY_ROLLBACK: true })).json().emergency).toBe(true);
        const off =
          release === 'DELETE'
            ? await api('DELETE', '/admin/feature-flags/EMERGENCY_ROLLBACK', undefined, { ...AUTH, 'x-change-reason': 'incident over' })
            : await api('POST', '/admin/feature-flags', { EMERGENCY_ROLLBACK: false }, { ...AUTH, 'x-change-reason': 'incident over' });
        expect(off.statusCode, release).toBe(200);
        expect(off.json().emergency, release).toBe(false);
        expect(off.json().sources.EMERGENCY_ROLLBACK, release).not.toBe('override');
        expect(await killRows(), release).toBe(0);
        const last = (await api('GET', '/admin/audit?limit=1&flag=EMERGENCY_ROLLBACK')).json().entries[0];
        expect(last, release).toMatchObject({ old: true, new: null, reason: 'incident over' });
        // The plan's break-glass path: restart with the switch in the environment.
        const restarted = await buildTestApp(tdb.db, { FF_EMERGENCY_ROLLBACK: 'true' });
        try {
          const view = (await restarted.app.inject({ method: 'GET', url: '/admin/feature-flags', headers: AUTH })).json();
          expect(view.emergency, release).toBe(true);
          expect(view.sources.EMERGENCY_ROLLBACK, release).toBe('env');
          expect((await restarted.app.inject({ method: 'GET', url: '/api/opportunities?cursor=' })).statusCode, release).toBe(400);
          // Releasing at run time cannot lift what the environment holds either.
          const again = await restarted.app.inject({
            method: 'POST',
            url: '/admin/feature-flags',
            headers: { ...AUTH, 'content-type': 'application/json' },
            payload: '{"EMERGENCY_ROLLBACK":false}',
          });
          expect(again.statusCode).toBe(200);
          expect(again.json().emergency).toBe(true);
          expect(await killRows()).toBe(0);
        } finally {
          await restarted.app.close();
        }
      }
      // A false stored by an older build is inert: the environment's true still wins.
      await tdb.db.kysely
        .insertInto('flag_overrides')
        .values({ name: 'EMERGENCY_ROLLBACK', value_json: 'false', updated_at: Date.now(), updated_by: 'old-build', reason: null })
        .execute();
      const legacy = await buildTestApp(tdb.db, { FF_EMERGENCY_ROLLBACK: 'true' });
      try {
        expect(legacy.ctx.flags.snapshot().emergency).toBe(true);
      } finally {
        await legacy.app.close();
        await tdb.db.kysely.deleteFrom('flag_overrides').where('name', '=', 'EMERGENCY_ROLLBACK').execute();
      }
    },
  );

  it.runIf(run)('a new replica on the same database starts with the persisted overrides in force', async () => {
    await api('POST', '/admin/feature-flags', { ENABLE_SINGLE_FLIGHT: false });
    const second = await buildTestApp(tdb.db);
    try {
      expect(second.ctx.flags.get('ENABLE_SINGLE_FLIGHT')).toBe(false);
      expect(second.ctx.flags.snapshot().sources.ENABLE_SINGLE_FLIGHT).toBe('override');
    } finally {
      await second.app.close();
      await api('DELETE', '/admin/feature-flags/ENABLE_SINGLE_FLIGHT');
    }
  });
});

describe('FF_EMERGENCY_ROLLBACK=true in the environment', () => {
  it('serves v4 from the first request while staying up', async () => {
    const tdb = await createTestDb('sqlite');
    const t = await buildTestApp(tdb.db, { FF_EMERGENCY_ROLLBACK: 'true' });
    try {
      const flags = (await t.app.inject({ method: 'GET', url: '/admin/feature-flags', headers: AUTH })).json();
      expect(flags.emergency).toBe(true);
      for (const n of FLAG_NAMES) if (FLAGS[n].v5) expect(flags.sources[n], n).toBe('emergency');
      expect((await t.app.inject({ method: 'GET', url: '/api/opportunities?cursor=' })).statusCode).toBe(400);
      expect((await t.app.inject({ method: 'GET', url: '/api/opportunities' })).json()).toHaveProperty('data');
      // An override cannot switch a feature back on over the kill switch.
      await t.app.inject({
        method: 'POST',
        url: '/admin/feature-flags',
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: '{"ENABLE_CURSOR_PAGINATION":true}',
      });
      expect((await t.app.inject({ method: 'GET', url: '/api/opportunities?cursor=' })).statusCode).toBe(400);
    } finally {
      await t.app.close();
      await tdb.drop();
    }
  });
});
