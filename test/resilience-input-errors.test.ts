// Input can never open a breaker: one classification of errors (resilience/error-classification.ts)
// decides the status, what breakers count and what the SLO error rate counts. A value the
// database rejects is the client's error (4xx), never a dependency failure. Fractional numeric
// filters over integer columns answer on both dialects with the rows an integer bound selects.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { buildApp } from '../src/http/app.js';
import type { AppContext } from '../src/http/context.js';
import { createContext } from '../src/http/service.js';
import { classifyError, isDependencyFailure } from '../src/resilience/error-classification.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeListings, storeTestListings } from './support/listings.js';

const pgOk = await requirePostgres();

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('input errors on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let app: FastifyInstance;
  let ctx: AppContext;

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    await storeTestListings(tdb.db, makeListings(80, 5));
    // A breaker that opens easily: two calls a second are enough traffic for it to judge.
    const config = loadConfig({
      DEALERSCOPE_ENV: 'development',
      ADMIN_TOKEN: 'input-errors-admin-token-0123',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      BREAKER_MIN_RPS: '2',
    });
    ctx = await createContext(config, { db: tdb.db });
    app = await buildApp(ctx, { logger: false });
    // A route that hands a request value to the database through the database breaker, the way
    // any read does, so a value the database refuses reaches the shared error handling.
    app.get('/probe/cast', async (request) => {
      const value = String((request.query as { v?: string }).v ?? '');
      const rows = await ctx.breakers
        .get('database')
        .execute(() => sql<{ n: number }>`SELECT CAST(${value} AS INTEGER) + 0 AS n`.execute(tdb.db.kysely));
      return { n: rows.rows[0]?.n ?? null };
    });
    await app.ready();
  });
  afterAll(async () => {
    if (!run) return;
    await app.close();
    await tdb.drop();
  });

  const ids = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBe(200);
    return res.json().items as Array<{ id: number; riskScore: number; profit: number; roi: number }>;
  };

  it.runIf(run)(
    'fractional maxRisk, minProfit and minRoi answer 200 with the rows the integer bound selects, and never open a breaker',
    async () => {
      const all = await ids('/api/opportunities?cursor=&limit=200&sort=score');
      expect(all.length).toBe(80);
      const maxRisk = await ids('/api/opportunities?cursor=&limit=200&sort=score&maxRisk=28.15');
      expect(maxRisk.map((o) => o.id)).toEqual(all.filter((o) => o.riskScore <= 28.15).map((o) => o.id));
      expect(maxRisk.map((o) => o.id)).toEqual((await ids('/api/opportunities?cursor=&limit=200&sort=score&maxRisk=28')).map((o) => o.id));
      const profits = all.map((o) => o.profit).sort((a, b) => a - b);
      const mid = profits[40] + 0.005;
      const minProfit = await ids(`/api/opportunities?cursor=&limit=200&sort=score&minProfit=${mid}`);
      expect(minProfit.map((o) => o.id)).toEqual(all.filter((o) => o.profit >= mid).map((o) => o.id));
      const minRoi = await ids('/api/opportunities?cursor=&limit=200&sort=score&minRoi=12.345');
      expect(minRoi.map((o) => o.id)).toEqual(all.filter((o) => o.roi >= 12.345).map((o) => o.id));

      // The outside review's four requests, many times over and in parallel, in both modes.
      const urls = [
        '/api/opportunities?maxRisk=28.15',
        '/api/opportunities?cursor=&maxRisk=0.5',
        '/api/opportunities?page=2&maxRisk=99.999',
        '/api/opportunities?minRoi=-0.01&maxRisk=28.15',
      ];
      const answers = await Promise.all(
        Array.from({ length: 80 }, (_, i) => app.inject({ method: 'GET', url: `${urls[i % urls.length]}&limit=${1 + (i % 50)}` })),
      );
      expect(answers.map((a) => a.statusCode).filter((s) => s !== 200)).toEqual([]);
      const db = ctx.breakers.get('database');
      expect(db.stats.opens).toBe(0);
      expect(db.state()).toBe('closed');
    },
  );

  it.runIf(run)('a value the database rejects is a 400 with the error envelope, never a breaker failure or an SLO error', async () => {
    const breaker = ctx.breakers.get('database');
    const ok = await app.inject({ method: 'GET', url: '/probe/cast?v=41' });
    expect(ok.json()).toEqual({ n: 41 });
    const before = await app.observability.http.read();
    let rejected = 0;
    const started = Date.now();
    // Well above the breaker's minimum rate, for longer than its sampling window.
    while (Date.now() - started < 1500) {
      const res = await Promise.all(Array.from({ length: 10 }, () => app.inject({ method: 'GET', url: '/probe/cast?v=28.15x' })));
      for (const r of res) {
        if (dialect === 'postgres') {
          expect(r.statusCode, r.body).toBe(400);
          expect(r.json().error.code).toBe('invalid_input');
          expect(r.json().error.message).toMatch(/invalid input syntax for type integer/);
          expect(r.headers['x-request-id']).toBeTruthy();
          rejected++;
        } else expect(r.statusCode).toBe(200); // SQLite casts leniently: nothing to reject
      }
    }
    expect(breaker.stats.opens).toBe(0);
    expect(breaker.state()).toBe('closed');
    const after = await app.observability.http.read();
    expect(after.errors - before.errors).toBe(0);
    if (dialect === 'postgres') {
      expect(rejected).toBeGreaterThan(100);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/probe\/cast",status_code="400"\} \d+/);
      expect(metrics).not.toMatch(/http_request_duration_seconds_count\{method="GET",route="\/probe\/cast",status_code="5\d\d"\}/);
    }
  });

  it.runIf(run)(
    'numbers beyond exact integers and control characters are refused (or, leniently, ignored) before the database sees them',
    async () => {
      const admin = { authorization: 'Bearer input-errors-admin-token-0123' };
      for (const [url, field] of [
        ['/admin/audit?limit=1e309', 'limit'],
        ['/api/quarantine?offset=1.797693134862313e%2B308', 'offset'],
        ['/admin/anomalies?offset=1e300', 'offset'],
        ['/api/opportunities?make=a%00', 'make'],
      ] as const) {
        const res = await app.inject({ method: 'GET', url, headers: admin });
        expect(res.statusCode, url).toBe(400);
        expect(
          res.json().error.details.map((d: { field: string }) => d.field),
          url,
        ).toContain(field);
      }
      ctx.flags.setOverrides({ ENABLE_INPUT_VALIDATION: false });
      try {
        const lenient = await app.inject({ method: 'GET', url: '/api/opportunities?cursor=&limit=200&make=Ford%00&model=%01' });
        expect(lenient.statusCode, lenient.body).toBe(200);
        expect(lenient.json().items.length).toBe(80);
        expect((await app.inject({ method: 'GET', url: '/?make=%00&model=x%7f' })).statusCode).toBe(200);
      } finally {
        ctx.flags.setOverrides({});
      }
      expect(ctx.breakers.get('database').stats.opens).toBe(0);
    },
  );

  it.runIf(run)('the classification: client mistakes, outages and bugs', async () => {
    const refused = await tdb.db.kysely.executeQuery(sql`SELECT CAST(${'2026-02-30'} AS DATE) AS d`.compile(tdb.db.kysely)).then(
      () => null,
      (e: unknown) => e,
    );
    if (dialect === 'postgres') {
      expect(classifyError(refused)).toBe('client');
      expect(isDependencyFailure(refused)).toBe(false);
    }
    const missing = await tdb.db.kysely.executeQuery(sql`SELECT * FROM no_such_table`.compile(tdb.db.kysely)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(classifyError(missing)).toBe('server');
    expect(isDependencyFailure(missing)).toBe(true);
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('unavailable');
  });
});
