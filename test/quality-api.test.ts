// Data quality end to end on SQLite and PostgreSQL: contract quarantine with reasons and the
// compliance ratio, provenance of every published field (and PROV-JSON against its schema),
// anomalies that keep a listing from being hot, and an operator's false-positive verdict.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { importCompsFile, importListingFeed } from '../src/ingest/import-service.js';
import type { Opportunity } from '../src/opportunities/api-schema.js';
import { flattenValues } from '../src/quality/provenance/prov-json.js';
import { ManualClock } from '../src/common/clock.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeVin } from './support/vins.js';

const pgOk = await requirePostgres();
const NOW = Date.UTC(2026, 10, 20, 12);
const DAY = 86_400_000;
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
const provSchema = JSON.parse(readFileSync(new URL('../src/quality/provenance/prov-json.schema.json', import.meta.url), 'utf8'));

const COMPS = [
  'make,model,year,trim,avg,low,high,sample_size',
  ...[2019, 2020, 2021, 2022, 2023].map(
    (y) => `Ford,F-150,${y},,${30_000 + (y - 2021) * 3000},${28_000 + (y - 2021) * 3000},${32_000 + (y - 2021) * 3000},60`,
  ),
].join('\n');

function row(lot: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'GovDeals',
    lot_id: lot,
    title: '2021 Ford F-150 XL',
    year: 2021,
    make: 'Ford',
    model: 'F-150',
    trim: 'XL',
    vin: makeVin('1FTEW1EP', 'M', String(lot.charCodeAt(0) * 1000 + Number(lot.slice(1)))),
    mileage: 30_000,
    current_bid: 9000,
    auction_end: new Date(NOW + 5 * DAY).toISOString(),
    city: 'Los Angeles',
    state: 'CA',
    zip: '90012',
    listing_url: `https://www.govdeals.com/asset/${lot}`,
    title_status: 'Clean',
    description: 'Runs and drives.',
    ...over,
  };
}

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('data quality on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let t: TestApp;
  const clock = new ManualClock(NOW);
  const params = defaultArbitrageParams();
  const get = async (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
  const feed = (rows: Array<Record<string, unknown>>, origin: string) =>
    importListingFeed(tdb.db, JSON.stringify(rows), 'json', { origin, now: clock.now(), params, flags: t.ctx.flags });
  const byLot = async (lot: string): Promise<Opportunity | undefined> =>
    ((await get('/api/opportunities?page=1&limit=200')).json().data as Opportunity[]).find((o) => o.lotId === lot);

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    t = await buildTestApp(tdb.db, {}, clock);
    await importCompsFile(tdb.db, COMPS, { origin: 'comps.csv', now: NOW, params });
  });
  afterAll(async () => {
    if (!run) return;
    await t.app.close();
    await tdb.drop();
  });

  it.runIf(run)('quarantines non-compliant records with their reasons and reports compliance per source', async () => {
    const good = makeVin('1FTEW1EP', 'M', '777');
    const badDigit = good.slice(0, 8) + (good[8] === '0' ? '1' : '0') + good.slice(9);
    const summary = await feed(
      [
        row('G1'),
        row('G2'),
        row('G3'),
        row('B1', { vin: badDigit }), // check digit
        row('B2', { zip: '77002' }), // Houston ZIP, listing says CA
        { ...row('P1'), source: 'PublicSurplus' },
      ],
      'feed-1.json',
    );
    expect(summary.rejected).toEqual([]);
    expect(summary.quality).toMatchObject({ validated: 6, quarantined: 2 });

    expect((await get('/api/quarantine')).statusCode).toBe(401);
    expect((await get('/api/quarantine', { authorization: 'Bearer wrong' })).statusCode).toBe(403);
    const q = (await get('/api/quarantine', ADMIN)).json();
    expect(q.total).toBe(2);
    const reasons = Object.fromEntries(
      q.items.map((i: { lotId: string; reasons: Array<{ rule: string }> }) => [i.lotId, i.reasons.map((r) => r.rule)]),
    );
    expect(reasons).toEqual({ B1: ['vin.check_digit'], B2: ['zip.state'] });
    expect(q.items.find((i: { lotId: string }) => i.lotId === 'B2').row).toBe(5);

    // Quarantined lots are not published; the others are.
    expect(await byLot('B1')).toBeUndefined();
    expect(await byLot('G1')).toBeDefined();

    const snap = await t.app.quality.monitor.refresh();
    expect(snap.compliance.sources.govdeals).toEqual({ validated: 5, passed: 3, ratio: 3 / 5 });
    expect(snap.compliance.sources.publicsurplus).toEqual({ validated: 1, passed: 1, ratio: 1 });
    expect(t.ctx.signals.read('contract_compliance_ratio')).toBeCloseTo(4 / 6, 10);
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/dealerscope_contract_compliance_ratio\{source="govdeals"\} 0\.6\b/);
    expect(metrics).toMatch(/dealerscope_data_quality_score\{source="all"\} 0\.\d+/);

    // A corrected copy releases the record and publishes the lot.
    await feed([row('B1')], 'feed-2.json');
    expect((await get('/api/quarantine', ADMIN)).json().total).toBe(1);
    expect(await byLot('B1')).toBeDefined();
    const contract = (await get('/api/contracts/listing')).json();
    expect(contract.rules.map((r: { id: string }) => r.id)).toContain('vin.check_digit');
  });

  it.runIf(run)('records provenance for every published field of an opportunity', async () => {
    const opp = (await byLot('G2'))!;
    const res = await get(`/api/opportunities/${opp.id}/provenance`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const published = Object.keys(flattenValues(opp));
    const missing = published.filter((f) => !body.fields[f]);
    expect(missing).toEqual([]);
    expect(body.coverage.ratio).toBe(1);
    // G2 is the second element of feed-1.json.
    expect(body.fields.currentBid).toMatchObject({ method: 'extracted', locator: '/1/current_bid' });
    expect(body.fields.profit).toMatchObject({ method: 'derived', inputs: ['estimatedSalePrice', 'costs.total'] });
    expect(body.source.snapshotHash).toMatch(/^sha256:[0-9a-f]{64}$/);

    // Gzipped for clients that take it (20–60 KB of JSON), with an ETag of its own and 304s.
    for (const url of [`/api/opportunities/${opp.id}/provenance`, `/api/opportunities/${opp.id}/provenance?format=prov-json`]) {
      const zipped = await get(url, { 'accept-encoding': 'gzip' });
      expect(zipped.headers['content-encoding'], url).toBe('gzip');
      expect(zipped.headers.vary, url).toMatch(/Accept-Encoding/);
      const plain = await get(url);
      expect(plain.headers['content-encoding'], url).toBeUndefined();
      expect(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8')), url).toEqual(plain.json());
      expect(zipped.headers.etag, url).not.toBe(plain.headers.etag);
      expect((await get(url, { 'accept-encoding': 'gzip', 'if-none-match': String(zipped.headers.etag) })).statusCode, url).toBe(304);
    }
    // Its query string is checked like the list's: a parameter once, nothing unknown; the detail's too.
    const twice = await get(`/api/opportunities/${opp.id}/provenance?format=json&format=json`);
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.details).toEqual([{ field: 'format', message: 'must be given once' }]);
    const unknown = await get(`/api/opportunities/${opp.id}/provenance?fromat=prov-json`);
    expect(unknown.json().error.details).toEqual([{ field: 'fromat', message: 'unknown query parameter' }]);
    const detail = await get(`/api/opportunities/${opp.id}?limit=0`);
    expect(detail.statusCode).toBe(400);
    expect(detail.json().error.details).toEqual([{ field: 'limit', message: 'unknown query parameter' }]);
    t.ctx.flags.setOverrides({ ENABLE_INPUT_VALIDATION: false });
    expect((await get(`/api/opportunities/${opp.id}/provenance?format=json&format=prov-json`)).statusCode).toBe(200);
    expect((await get(`/api/opportunities/${opp.id}?limit=0`)).statusCode).toBe(200);
    t.ctx.flags.setOverrides({});

    const snap = await t.app.quality.monitor.refresh();
    expect(snap.provenance.coverageRatio).toBe(1);
    expect(t.ctx.signals.read('provenance_coverage_ratio')).toBe(1);
  });

  it.runIf(run)('exports W3C PROV-JSON that validates against the PROV-JSON schema', async () => {
    const opp = (await byLot('G3'))!;
    const doc = (await get(`/api/opportunities/${opp.id}/provenance?format=prov-json`)).json();
    const ajv = new Ajv({ allErrors: true, strict: false });
    // ajv-formats is CommonJS: under NodeNext its function is the default export's `default`.
    (addFormatsPlugin as unknown as { default: (a: Ajv) => void }).default(ajv);
    const validate = ajv.compile(provSchema);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    for (const k of ['entity', 'activity', 'agent', 'wasGeneratedBy', 'wasDerivedFrom', 'wasAttributedTo', 'used'])
      expect(Object.keys(doc[k]).length).toBeGreaterThan(0);
    // The schema is not a rubber stamp: a generation without its entity is refused.
    const broken = structuredClone(doc);
    delete (Object.values(broken.wasGeneratedBy)[0] as Record<string, unknown>)['prov:entity'];
    expect(validate(broken)).toBe(false);
  });

  it.runIf(run)('never lets an anomalous listing be hot; a false-positive verdict re-appraises it and feeds the FP ratio', async () => {
    await feed(
      [
        row('H1', { current_bid: 8000 }),
        row('H2', { current_bid: 8000, description: 'Runs and drives.<script>alert(1)</script>' }), // markup, stripped and flagged
        row('H3', { current_bid: 8000, auction_end: new Date(NOW - 2 * 3_600_000).toISOString() }), // ended 2 h ago
      ],
      'feed-3.json',
    );
    // An ended auction leaves the lists; its detail stays readable as ended.
    expect(await byLot('H3')).toBeUndefined();
    const ended = await tdb.db.kysely
      .selectFrom('opportunities')
      .select(['id', 'status'])
      .where('lot_id', '=', 'H3')
      .executeTakeFirstOrThrow();
    expect(ended.status).toBe('ended');
    expect((await get(`/api/opportunities/${ended.id}`)).json()).toMatchObject({ lotId: 'H3', status: 'ended' });
    const twin = (await byLot('H1'))!;
    expect(twin.status).toBe('hot');
    expect(twin.anomalies).toEqual([]);
    const flagged = (await byLot('H2'))!;
    expect(flagged.status).not.toBe('hot');
    expect(flagged.anomalies).toMatchObject([{ kind: 'text_sanitized', status: 'open' }]);

    const anomalyId = (flagged.anomalies[0] as { id: number }).id;
    expect((await t.app.inject({ method: 'POST', url: `/admin/anomalies/${anomalyId}/false-positive` })).statusCode).toBe(401);
    const res = await t.app.inject({ method: 'POST', url: `/admin/anomalies/${anomalyId}/false-positive`, headers: ADMIN });
    expect(res.statusCode, res.body).toBe(200);
    const after = (await byLot('H2'))!;
    expect(after.status).toBe('hot');
    expect(after.anomalies).toMatchObject([{ id: anomalyId, status: 'false_positive' }]);

    // Only reviewed verdicts count: one flagged listing reviewed, cleared as a false positive. The
    // unreviewed checked listings are not negatives, so the ratio is 1 of 1, not 1 of 8; the
    // rollout signal and the published gauge wait for enough verdicts before they carry the ratio
    // (NaN: no value, so the Prometheus rule cannot fire on one verdict of one either).
    const snap = t.app.quality.monitor.snapshot()!;
    expect(snap.anomalies).toMatchObject({ checked: 8, reviewed: 1, falsePositives: 1, confirmed: 0, falsePositiveRatio: 1 });
    expect(t.ctx.signals.read('anomaly_false_positive_ratio')).toBeNull();
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/dealerscope_anomaly_false_positive_ratio nan\n/i);
    expect(metrics).toMatch(/dealerscope_anomaly_reviewed 1\n/);
    const list = (await get('/admin/anomalies?status=false_positive', ADMIN)).json();
    expect(list.items.map((a: { id: number }) => a.id)).toEqual([anomalyId]);
  });

  it.runIf(run)('reports the quality score per source', async () => {
    const q = (await get('/api/quality')).json();
    expect(Object.keys(q.quality.sources).sort()).toEqual(['govdeals', 'publicsurplus']);
    for (const s of Object.values<{ score: number }>(q.quality.sources)) expect(s.score).toBeGreaterThan(0);
    expect(t.ctx.signals.read('data_quality_score')).toBeCloseTo(q.quality.overall.score, 10);
  });
});
