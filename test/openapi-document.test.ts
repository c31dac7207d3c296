// The OpenAPI document a client generator can live on: every registered route is an operation
// with a unique operationId and a documented success; the surfaces' statuses (401/403 on operator
// routes, 429/503 on /api/*, 405/414/431 everywhere, 304 on GETs, 410 on the list) are there by
// reference to shared responses over the one `Error` schema; security schemes and headers are
// declared; no schema is named def-N; and Redocly's recommended rules find 0 errors. A typed
// client generated from it (openapi-typescript + openapi-fetch, client/) compiles and works
// against a live server, and misusing its types does not compile.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/http/openapi-document.js';
import { OPERATIONS } from '../src/http/openapi-operations.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { makeListings, storeTestListings } from './support/listings.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const TOKEN = 'test-admin-token-0123456789';
type Json = Record<string, any>;
const CLIENT_MODULE = join(ROOT, 'client', 'dealerscope-client.ts');

/** The slice of client/dealerscope-client.ts this test drives, as the generated types shape it. */
interface ClientModule {
  DealerScopeError: new (...args: never[]) => Error & { status: number; body?: { error: { code: string } }; requestId: string | null };
  dealerScopeClient(
    baseUrl: string,
    opts: { adminToken?: string },
  ): {
    opportunities(query: Record<string, unknown>): Promise<{ items?: Array<{ id: number; riskScore: number }> }>;
    opportunity(id: number): Promise<{ id: number }>;
    featureFlags(): Promise<{ emergency: boolean }>;
    importFeed(csv: string): Promise<Record<string, unknown>>;
  };
}

let doc: Json;
beforeAll(async () => {
  doc = await openApiDocument();
}, 60_000);

const operations = () =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, op]) => ({
      path,
      method,
      op: op as Json,
      key: `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`,
    })),
  );

describe('OpenAPI document', () => {
  it('has every registered route as an operation with a unique operationId', () => {
    // The document is built from every route the app registers (nothing is hidden), so each
    // operation must have its entry in the operations table and each entry a route.
    const documented = operations()
      .map((o) => o.key)
      .sort();
    expect(documented).toEqual(Object.keys(OPERATIONS).sort());
    const ids = operations().map((o) => o.op.operationId as string);
    expect(ids.every((id) => /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(operations().map((o) => OPERATIONS[o.key]?.operationId));
  });

  it('describes the list parameters as the API reads them: a calendar date for endsBefore, years 1900–2100', async () => {
    const params = (doc.paths['/api/opportunities'].get.parameters as Json[]).filter((p) => p.in === 'query');
    const schemaOf = (name: string) => params.find((p) => p.name === name)!.schema as Json;
    const { Ajv } = await import('ajv');
    const addFormats = (await import('ajv-formats')) as unknown as { default: (a: InstanceType<typeof Ajv>) => void };
    const ajv = new Ajv({ strict: false });
    addFormats.default(ajv);
    const endsBefore = ajv.compile(schemaOf('endsBefore'));
    for (const ok of ['2026-12-08', '2026-12-08T17:00:00-05:00']) expect(endsBefore(ok), ok).toBe(true);
    for (const bad of ['2026-13-01', '2026-12-08T17:00:00']) expect(endsBefore(bad), bad).toBe(false);
    const yearMin = ajv.compile(schemaOf('yearMin'));
    expect([1899, 1900, 2100, 2101].map((y) => yearMin(y))).toEqual([false, true, true, false]);
  });

  it('documents the statuses each surface answers, by reference to shared error responses', () => {
    const byKey = new Map(operations().map((o) => [o.key, o.op]));
    const statuses = (key: string) => Object.keys(byKey.get(key)?.responses ?? {});
    expect(statuses('GET /api/opportunities')).toEqual(
      expect.arrayContaining(['200', '304', '400', '401', '405', '410', '414', '429', '431', '503']),
    );
    expect(statuses('GET /api/opportunities/:id')).toEqual(expect.arrayContaining(['200', '304', '404', '405', '429', '503']));
    expect(statuses('POST /admin/imports')).toEqual(expect.arrayContaining(['200', '400', '401', '403', '405', '413', '415']));
    expect(statuses('POST /admin/feature-flags')).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(statuses('POST /console/login')).toEqual(expect.arrayContaining(['303', '401', '403', '415', '429']));
    expect(statuses('GET /readyz')).toEqual(expect.arrayContaining(['200', '503']));
    // The dealer's workspace is never anonymous; a change riding on the sign-in cookie can be a 403 (CSRF).
    expect(byKey.get('GET /api/me')?.security).toEqual([{ dealerApiKey: [] }, { dealerSession: [] }]);
    expect(byKey.get('GET /api/opportunities')?.security).toEqual([{}, { dealerApiKey: [] }]);
    expect(statuses('PATCH /api/me')).toEqual(expect.arrayContaining(['200', '400', '401', '403', '429']));
    expect(statuses('GET /api/me')).not.toContain('403');
    expect(statuses('GET /')).toEqual(expect.arrayContaining(['200']));
    for (const { key, op } of operations()) {
      const r = op.responses as Json;
      // A success for everything but the post/redirect/get forms (console and dealer pages).
      const dealerForm = [
        'POST /login',
        'POST /logout',
        'POST /searches',
        'POST /searches/:id/delete',
        'POST /watchlist/:id',
        'POST /watchlist/:id/delete',
      ].includes(key);
      if (!key.startsWith('POST /console/') && !dealerForm)
        expect(
          Object.keys(r).some((s) => s.startsWith('2')),
          key,
        ).toBe(true);
      for (const [status, response] of Object.entries(r)) {
        const schema = (response as Json).content?.['application/json']?.schema;
        // The envelope's `error` is an object with a code; an answer's own `error` text (why the
        // rollout decisions came from memory) is not a copy of it.
        if (schema?.$ref === '#/components/schemas/Error' || schema?.properties?.error?.properties?.code)
          throw new Error(`${key} ${status} copies the error schema instead of a shared response`);
        if (!('$ref' in (response as Json)))
          expect((response as Json).headers?.['X-Request-Id'], `${key} ${status}`).toEqual({ $ref: '#/components/headers/X-Request-Id' });
      }
      if (key.startsWith('GET ')) expect(r['200']?.headers?.ETag ?? r['304'], key).toBeTruthy();
    }
    const list = byKey.get('GET /api/opportunities') as Json;
    expect(list.responses['410']).toEqual({ $ref: '#/components/responses/Gone' });
    expect(Object.keys(doc.components.responses.Gone.headers)).toEqual(expect.arrayContaining(['Deprecation', 'Sunset']));
    expect(Object.keys(doc.components.responses.TooManyRequests.headers)).toEqual(
      expect.arrayContaining(['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
    );
    expect(Object.keys(list.responses['200'].headers)).toEqual(
      expect.arrayContaining(['X-Request-Id', 'ETag', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
    );
  });

  it('names its schemas, declares security schemes and applies them per surface', () => {
    const names = Object.keys(doc.components.schemas);
    expect(names).toEqual(expect.arrayContaining(['Error', 'Opportunity']));
    expect(names.filter((n) => /^def-\d+$/.test(n))).toEqual([]);
    expect(JSON.stringify(doc)).not.toMatch(/def-\d+/);
    expect(doc.components.securitySchemes).toMatchObject({
      adminBearer: { type: 'http', scheme: 'bearer' },
      dealerApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      consoleSession: { type: 'apiKey', in: 'cookie', name: 'ds_session' },
    });
    const op = (key: string) => operations().find((o) => o.key === key)?.op as Json;
    expect(op('POST /admin/feature-flags').security).toEqual([{ adminBearer: [] }]);
    expect(op('GET /api/opportunities').security).toEqual([{}, { dealerApiKey: [] }]);
    expect(op('POST /console/flags').security).toEqual([{ consoleSession: [] }, { adminBearer: [] }]);
    expect(op('POST /console/flags').requestBody.content['application/x-www-form-urlencoded'].schema.required).toContain('_csrf');
    for (const h of [
      'ETag',
      'X-Request-Id',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'Retry-After',
      'Deprecation',
      'Sunset',
    ])
      expect(doc.components.headers[h], h).toBeDefined();
  });

  it("passes Redocly's recommended rules with 0 errors", async () => {
    const dir = join(ROOT, 'reports', `openapi-lint-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    try {
      const out = await run(
        join(ROOT, 'node_modules', '.bin', 'redocly'),
        ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json'],
        { cwd: ROOT, maxBuffer: 32 * 1024 * 1024 },
      ).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }));
      const report = JSON.parse(out.stdout) as {
        totals: { errors: number; warnings: number };
        problems: Array<{ ruleId: string; severity: string; message: string }>;
      };
      console.log(`redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
      expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('typed client generated from the document', () => {
  let tdb: TestDb;
  let t: TestApp;
  let url: string;
  const generated = join(ROOT, 'client', 'generated');
  const tsc = (project: string) =>
    run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', project], { cwd: ROOT }).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? 'failed',
    );

  beforeAll(async () => {
    mkdirSync(generated, { recursive: true });
    writeFileSync(join(generated, 'api.d.ts'), astToString(await openapiTS(doc as never)));
    tdb = await createTestDb('sqlite');
    await storeTestListings(tdb.db, makeListings(12, 4));
    t = await buildTestApp(tdb.db);
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 60_000);
  afterAll(async () => {
    await t.app.close();
    await tdb.drop();
  });

  it('compiles, and misusing its types does not', async () => {
    expect(await tsc(join(ROOT, 'client', 'tsconfig.json'))).toBe('');
    const misuse = join(generated, 'misuse.ts');
    writeFileSync(
      misuse,
      `import { dealerScopeClient } from '../dealerscope-client.js';
const c = dealerScopeClient('http://localhost');
export async function wrong(): Promise<void> {
  const o = await c.opportunity(1);
  const risk: string = o.riskScore;
  await c.opportunities({ sort: 'cheapest' });
  void risk;
}
`,
    );
    try {
      const errors = await tsc(join(ROOT, 'client', 'tsconfig.json'));
      expect(errors).toMatch(/misuse\.ts\(5,9\): error TS2322/);
      expect(errors).toMatch(/misuse\.ts\(6,\d+\): error TS2322/);
    } finally {
      rmSync(misuse, { force: true });
    }
  }, 120_000);

  it('works against a live server: typed bodies, and errors as the documented envelope', async () => {
    // Loaded by path: its types come from the generated file, which `npm run typecheck` does not
    // need (the previous test compiled the client against it).
    const { dealerScopeClient, DealerScopeError } = (await import(/* @vite-ignore */ CLIENT_MODULE)) as ClientModule;
    const client = dealerScopeClient(url, { adminToken: TOKEN });
    const all = await client.opportunities({ cursor: '', limit: 200 });
    const bound = Math.min(...all.items!.map((o) => o.riskScore)) + 0.75;
    const page = await client.opportunities({ cursor: '', limit: 5, maxRisk: bound, sort: 'profit' });
    expect(page.items?.length).toBeGreaterThan(0);
    expect(page.items!.every((o) => o.riskScore <= bound)).toBe(true);
    const one = await client.opportunity(page.items![0]!.id);
    expect(one.id).toBe(page.items![0]!.id);
    const missing = await client.opportunity(987654).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DealerScopeError);
    expect((missing as InstanceType<typeof DealerScopeError>).status).toBe(404);
    expect((missing as InstanceType<typeof DealerScopeError>).body?.error.code).toBe('not_found');
    expect((missing as InstanceType<typeof DealerScopeError>).requestId).toBeTruthy();
    expect((await client.featureFlags()).emergency).toBe(false);
    // The contract quarantines an auction that ended over a day ago, so this one ends a month on.
    const endsAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const summary = await client.importFeed(
      'source,lot_id,title,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status,description\n' +
        `gsa,C1,2019 Ford F-150,2019,Ford,F-150,,,50000,9000,${endsAt},Austin,TX,78701,,clean,\n`,
    );
    expect(summary).toMatchObject({ rows: 1, accepted: 1, created: 1 });
  });
});
