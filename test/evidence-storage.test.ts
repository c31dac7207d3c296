// Evidence: every page a source fetches and every uploaded feed kept once by SHA-256, on local
// disk and in an S3-compatible bucket (s3rver on 127.0.0.1); served back by hash; retention with
// garbage collection that keeps what live provenance names; size metrics; and
// `dealerscope provenance verify` re-extracting real fixture pages from the bucket.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { createEvidenceStore, evidenceSettings, sha256Hex } from '../src/evidence/index.js';
import { importListingFeed } from '../src/ingest/import-service.js';
import { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { parseSourcesConfig } from '../src/ingest/sources/config.js';
import { ManualClock } from '../src/common/clock.js';
import { seededRandom } from '../src/common/random.js';
import { startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { runCli } from './support/cli.js';
import { createSqliteDb, type TestDb } from './support/databases.js';
import { API_KEY, CURRENCY, LOTS, NOW, SECRETS, ZONELESS } from './support/source-fixtures.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const UPLOAD =
  'source,lot_id,title,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status,description\n' +
  `GovDeals,U1,2019 Ford F-150 XL,2019,Ford,F-150,XL,,84000,"$9,500.00",${new Date(NOW + 10 * 86_400_000).toISOString()},Austin,TX,78701,https://www.govdeals.com/asset/1/1,clean,City fleet pickup\n`;
const S3_CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
Object.assign(process.env, S3_CREDS);

/** GovDeals (the maestro search API) and a PublicSurplus category, as a sources file would name them. */
function sourcesJson(site: FixtureSite) {
  const fast = { delayMs: 0, backoffBaseMs: 1, timeoutMs: 5_000 };
  return {
    sources: [
      {
        name: 'govdeals',
        kind: 'govdeals',
        url: `${site.url}/search/list`,
        apiKeyEnv: 'MAESTRO_API_KEY',
        intervalSeconds: 60,
        pageSize: 25,
        etiquette: fast,
        search: { searchText: '', facetsFilter: ['{!tag=product_category_external_id}product_category_external_id:"t6"'] },
      },
      { name: 'ps-cat', kind: 'publicsurplus', url: `${site.url}/ps/sms/browse/cataucs?catid=4`, intervalSeconds: 60, etiquette: fast },
    ],
  };
}

const startSite = () => startAuctionSite({ now: NOW, ...LOTS, apiKey: API_KEY, maestro: { currency: CURRENCY, zonelessEnd: ZONELESS } });

const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => runCli(args, env);

describe('evidence on local disk', () => {
  let tdb: TestDb;
  let t: TestApp;
  let site: FixtureSite;
  let dir: string;
  let runner: SourceRunner;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ds-snapshots-'));
    tdb = await createSqliteDb();
    const clock = new ManualClock(NOW);
    t = await buildTestApp(tdb.db, { SNAPSHOT_DIR: dir }, clock);
    site = await startSite();
    runner = new SourceRunner(parseSourcesConfig(sourcesJson(site), { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1' }), {
      db: tdb.db,
      clock,
      random: seededRandom(1),
      params: defaultArbitrageParams,
      renderer: null,
      snapshots: t.app.evidence,
      readSecret: (n) => SECRETS[n],
    });
  });
  afterAll(async () => {
    await runner?.close();
    await site?.close();
    await t?.app.close();
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const files = () =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  const snapshot = (hash: string, headers: Record<string, string> = auth) =>
    t.app.inject({ method: 'GET', url: `/admin/snapshots/${hash}`, headers });

  it('keeps every fetched page once, content-addressed, and serves each back under its hash', async () => {
    await runner.run('govdeals');
    const provenance = await tdb.db.kysely
      .selectFrom('quality_provenance')
      .select(['snapshot_hash', 'source_url'])
      .where('source', '=', 'govdeals')
      .execute();
    const hashes = [...new Set(provenance.map((p) => p.snapshot_hash))];
    expect(hashes).toHaveLength(Math.ceil(LOTS.govdeals.length / 25)); // one snapshot per search page
    for (const h of hashes) {
      const res = await snapshot(h);
      expect(res.statusCode).toBe(200);
      expect(sha256Hex(res.rawPayload)).toBe(h);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(() => JSON.parse(res.body)).not.toThrow();
    }
    // One file per indexed snapshot, the result pages among them; nothing half-written left behind.
    const stored = files();
    expect(stored.some((f) => f.includes('.tmp-'))).toBe(false);
    expect(stored).toEqual(expect.arrayContaining(hashes));
    const before = await t.app.evidence.totalsNow();
    expect(stored).toHaveLength(before.objects);

    // A second run reads the same bytes: the same snapshots, nothing new written.
    await runner.run('govdeals');
    expect(files()).toHaveLength(stored.length);
    expect(
      await tdb.db.kysely.withTables<{ evidence_snapshots: { hash: string } }>().selectFrom('evidence_snapshots').selectAll().execute(),
    ).toHaveLength(before.objects);
  });

  it('answers 400 for a malformed hash, 404 for an unknown one or bytes that no longer match, 401 without the admin token', async () => {
    expect((await snapshot('abc')).statusCode).toBe(400);
    expect((await snapshot('g'.repeat(64))).statusCode).toBe(400);
    expect((await snapshot('0'.repeat(64))).statusCode).toBe(404);
    const [row] = await tdb.db.kysely.selectFrom('quality_provenance').select('snapshot_hash').limit(1).execute();
    expect((await snapshot(row!.snapshot_hash, {})).statusCode).toBe(401);
    // Corrupt the stored file: never served as if it were the snapshot.
    const h = row!.snapshot_hash;
    writeFileSync(join(dir, h.slice(0, 2), h.slice(2, 4), h), '{"tampered":true}');
    const res = await snapshot(h);
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'snapshot_corrupt']);
  });

  it('keeps an uploaded feed under the hash its provenance names', async () => {
    const csv = UPLOAD;
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/imports',
      headers: { ...auth, 'content-type': 'text/csv', 'x-feed-name': 'evidence-upload' },
      payload: csv,
    });
    expect(res.statusCode).toBe(200);
    const prov = await tdb.db.kysely
      .selectFrom('quality_provenance')
      .select(['snapshot_hash', 'source_url'])
      .where('lot_id', '=', 'U1')
      .executeTakeFirstOrThrow();
    expect(prov.snapshot_hash).toBe(`sha256:${sha256Hex(Buffer.from(csv))}`);
    const back = await snapshot(prov.snapshot_hash.slice('sha256:'.length));
    expect([back.statusCode, back.body]).toEqual([200, csv]);
    // The hash as provenance records it, prefix and all, names the same bytes.
    const asRecorded = await snapshot(prov.snapshot_hash);
    expect([asRecorded.statusCode, asRecorded.body]).toEqual([200, csv]);
    expect((await snapshot(`sha1:${'0'.repeat(64)}`)).statusCode).toBe(400);
  });

  it('keeps bytes again that another process collected, though this one had kept them before', async () => {
    const clock = new ManualClock(NOW);
    const gcDir = mkdtempSync(join(tmpdir(), 'ds-gc-other-'));
    const gdb = await createSqliteDb();
    const settings = { ...evidenceSettings({}), dir: gcDir, retentionDays: 90 };
    // A serving replica, and the operator's `evidence gc` in a process of its own.
    const serving = createEvidenceStore({ db: gdb.db, clock, env: {}, settings });
    const operator = createEvidenceStore({ db: gdb.db, clock, env: {}, settings });
    try {
      const hash = await serving.keep({ bytes: 'a feed uploaded in spring', url: 'urn:upload' });
      clock.advance(91 * 86_400_000);
      expect((await operator.gc()).deleted).toBe(1);
      expect(await serving.get(hash!)).toBeNull();
      // Uploaded again: the replica that kept it before must write the bytes again, not only the row.
      expect(await serving.keep({ bytes: 'a feed uploaded in spring', url: 'urn:upload' })).toBe(hash);
      expect((await serving.get(hash!))?.bytes.toString()).toBe('a feed uploaded in spring');
    } finally {
      await serving.close();
      await operator.close();
      await gdb.drop();
      rmSync(gcDir, { recursive: true, force: true });
    }
  });

  it("collects snapshots past the retention, except those a live listing's provenance still names", async () => {
    const clock = new ManualClock(NOW);
    const gcDir = mkdtempSync(join(tmpdir(), 'ds-gc-'));
    const gdb = await createSqliteDb();
    const store = createEvidenceStore({ db: gdb.db, clock, env: {}, settings: { ...evidenceSettings({}), dir: gcDir, retentionDays: 90 } });
    try {
      await importListingFeed(gdb.db, UPLOAD, 'csv', {
        origin: 'gc-upload',
        now: clock.now(),
        params: defaultArbitrageParams(),
        snapshots: store,
      });
      const live = (
        await gdb.db.kysely.selectFrom('quality_provenance').select('snapshot_hash').where('lot_id', '=', 'U1').executeTakeFirstOrThrow()
      ).snapshot_hash;
      const orphan = await store.keep({ bytes: 'an old page nobody names', url: 'https://example.com/old' });
      clock.advance(91 * 86_400_000);
      const fresh = await store.keep({ bytes: 'a page seen today', url: 'https://example.com/new' });
      expect(await store.gc({ dryRun: true })).toMatchObject({ examined: 2, deleted: 1, keptReferenced: 1 });
      expect(await store.get(orphan!)).not.toBeNull();
      const r = await store.gc();
      expect(r).toMatchObject({ examined: 2, deleted: 1, keptReferenced: 1, bytesFreed: 'an old page nobody names'.length });
      expect(await store.get(orphan!)).toBeNull();
      expect((await store.get(live))?.bytes.toString()).toBe(UPLOAD);
      expect((await store.get(fresh!))?.bytes.toString()).toBe('a page seen today');
      // Once the listing is no longer live, its snapshot goes too.
      await gdb.db.kysely.updateTable('listings').set({ is_active: 0 }).where('lot_id', '=', 'U1').execute();
      expect((await store.gc()).deleted).toBe(1);
      expect(await store.get(live)).toBeNull();
      expect(await store.totalsNow()).toEqual({ objects: 1, bytes: 'a page seen today'.length });
    } finally {
      await store.close();
      await gdb.drop();
      rmSync(gcDir, { recursive: true, force: true });
    }
  });
});

describe('evidence in an S3-compatible bucket, and provenance verification from it', () => {
  let s3rver: S3rver;
  let s3dir: string;
  let endpoint: string;
  let tdb: TestDb;
  let t: TestApp;
  let site: FixtureSite;
  let runner: SourceRunner;
  let work: string;
  let cliEnv: NodeJS.ProcessEnv;
  const BUCKET = 'dealerscope-evidence';

  beforeAll(async () => {
    s3dir = mkdtempSync(join(tmpdir(), 'ds-s3rver-'));
    s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir });
    const { port } = await s3rver.run();
    endpoint = `http://127.0.0.1:${port}`;
    const s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
    tdb = await createSqliteDb();
    const env = { OBJECT_STORE_URL: `s3://${BUCKET}/snapshots/v1`, OBJECT_STORE_ENDPOINT: endpoint };
    const clock = new ManualClock(NOW);
    t = await buildTestApp(tdb.db, env, clock);
    site = await startSite();
    work = mkdtempSync(join(tmpdir(), 'ds-verify-'));
    const sourcesFile = join(work, 'sources.json');
    writeFileSync(sourcesFile, JSON.stringify(sourcesJson(site)));
    runner = new SourceRunner(parseSourcesConfig(sourcesJson(site), { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1' }), {
      db: tdb.db,
      clock,
      random: seededRandom(2),
      params: defaultArbitrageParams,
      renderer: null,
      snapshots: t.app.evidence,
      readSecret: (n) => SECRETS[n],
    });
    await runner.run('govdeals');
    await runner.run('ps-cat');
    cliEnv = {
      ...process.env,
      ...S3_CREDS,
      ...env,
      DATABASE_URL: tdb.url,
      DEALERSCOPE_ENV: 'development',
      DEALERSCOPE_SOURCES_FILE: sourcesFile,
      SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  });
  afterAll(async () => {
    await runner?.close();
    await site?.close();
    await t?.app.close();
    await tdb?.drop();
    await s3rver?.close();
    rmSync(s3dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const oppOf = async (source: string) => {
    const row = await tdb.db.kysely
      .selectFrom('opportunities')
      .innerJoin('listings', 'listings.id', 'opportunities.listing_id')
      .select(['opportunities.id as id', 'listings.id as listingId', 'listings.lot_id as lotId'])
      .where('listings.source', '=', source)
      .orderBy('listings.id')
      .limit(1)
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), listingId: Number(row.listingId), lotId: row.lotId };
  };

  it('writes each snapshot once under the prefix and reports bytes and objects in /metrics', async () => {
    const s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'snapshots/v1/' }));
    s3.destroy();
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    const totals = await t.app.evidence.totalsNow();
    expect(keys).toHaveLength(totals.objects);
    expect(totals.objects).toBeGreaterThanOrEqual(Math.ceil(LOTS.govdeals.length / 25) + 2 + 20); // search pages, PS list pages, PS detail pages
    const bytes = (listed.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0);
    expect(totals.bytes).toBe(bytes);
    for (const k of keys) expect(k).toMatch(/^snapshots\/v1\/[0-9a-f]{64}$/);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`dealerscope_evidence_snapshot_objects ${totals.objects}`);
    expect(metrics).toContain(`dealerscope_evidence_snapshot_bytes ${totals.bytes}`);
    expect(metrics).toMatch(/dealerscope_evidence_writes_total\{result="stored"\} \d+/);
    const prov = await tdb.db.kysely
      .selectFrom('quality_provenance')
      .select('snapshot_hash')
      .where('source', '=', 'govdeals')
      .executeTakeFirstOrThrow();
    const res = await t.app.inject({ method: 'GET', url: `/admin/snapshots/${prov.snapshot_hash}`, headers: auth });
    expect([res.statusCode, sha256Hex(res.rawPayload)]).toEqual([200, prov.snapshot_hash]);
  });

  it('provenance verify re-extracts a GovDeals page from the bucket: every field matches (exit 0)', async () => {
    const { id } = await oppOf('govdeals');
    const r = await cli(cliEnv, 'provenance', 'verify', String(id));
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/extractor recorded maestro-search@2, re-run maestro-search@2/);
    expect(r.stdout).toMatch(/MATCH: all \d+ fields re-extracted from the stored snapshot equal the stored values/);
    expect(r.stdout).not.toMatch(/DRIFT/);
    expect(r.stdout).toContain(`in s3://${BUCKET}/snapshots/v1/ at ${endpoint}`);
  });

  it('a PublicSurplus listing (list page plus detail page) verifies too', async () => {
    const { id } = await oppOf('publicsurplus');
    const r = await cli(cliEnv, 'provenance', 'verify', String(id), '--json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.outcome).toBe('match');
    // Fields read from the detail page were checked against it, not skipped.
    expect(report.fields.find((f: { field: string }) => f.field === 'vin')).toMatchObject({ match: true });
    expect(report.fields.find((f: { field: string }) => f.field === 'vin').stored).toMatch(/^[A-HJ-NPR-Z0-9]{17}$/);
  });

  it('reports a stored field that no longer matches its page (exit 2), and a snapshot gone from the bucket (exit 3)', async () => {
    const { id, listingId } = await oppOf('govdeals');
    const before = await tdb.db.kysely.selectFrom('listings').select(['mileage']).where('id', '=', listingId).executeTakeFirstOrThrow();
    await tdb.db.kysely
      .updateTable('listings')
      .set({ mileage: Number(before.mileage) + 1234 })
      .where('id', '=', listingId)
      .execute();
    const drift = await cli(cliEnv, 'provenance', 'verify', String(id));
    expect(drift.code, drift.stdout).toBe(2);
    expect(drift.stdout).toMatch(
      new RegExp(`DRIFT mileage: stored ${Number(before.mileage) + 1234}, snapshot says ${before.mileage} \\(at [^)]+\\)`),
    );
    expect(drift.stdout).toMatch(/DRIFT: 1 field\(s\) no longer match/);
    await tdb.db.kysely.updateTable('listings').set({ mileage: before.mileage }).where('id', '=', listingId).execute();

    const prov = await tdb.db.kysely
      .selectFrom('quality_provenance')
      .select('snapshot_hash')
      .where('listing_id', '=', listingId)
      .executeTakeFirstOrThrow();
    const s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `snapshots/v1/${prov.snapshot_hash}` }));
    s3.destroy();
    const missing = await cli(cliEnv, 'provenance', 'verify', String(id));
    expect(missing.code, missing.stdout).toBe(3);
    expect(missing.stdout).toMatch(/is not in s3:\/\/.* \(never stored, or removed after its retention\)/);
    expect((await cli(cliEnv, 'provenance', 'verify', '999999')).code).toBe(1);
  });
});
