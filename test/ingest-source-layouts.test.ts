// A source whose published layout changed must fail loudly — a SourceLayoutError naming what is
// missing, a reject with the reason, the source's breaker open — never wrong values or a silent
// empty run; a missing API key fails the run with the variable's name. Then the per-source
// parse coverage and compliance reach /api/quality and /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { BreakerRegistry } from '../src/resilience/breakers.js';
import { ManualClock } from '../src/common/clock.js';
import { seededRandom } from '../src/common/random.js';
import { startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { API_KEY, CURRENCY, LOTS, NOW, SECRETS, sourcesFor, ZONELESS } from './support/source-fixtures.js';

describe('changed layouts and missing keys', () => {
  let tdb: TestDb;
  let site: FixtureSite;
  let runner: SourceRunner;
  let t: TestApp;
  const clock = new ManualClock(NOW);
  const breakers = new BreakerRegistry({ flags: { get: () => true } as never, clock });
  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    site = await startAuctionSite({ now: NOW, ...LOTS, apiKey: API_KEY, maestro: { currency: CURRENCY, zonelessEnd: ZONELESS } });
    const maintenance = (name: string, path: string) => ({
      name,
      kind: 'gsa' as const,
      url: `${site.url}${path}?format=JSON`,
      apiKeyEnv: 'GSA_API_KEY',
      intervalSeconds: 60,
      etiquette: { delayMs: 0, backoffBaseMs: 1, timeoutMs: 5_000 },
    });
    const extra = [maintenance('gsa-maintenance', '/gsa-maintenance/auctions'), maintenance('gsa-malformed', '/gsa-malformed/auctions')];
    runner = new SourceRunner(sourcesFor(site, extra), {
      db: tdb.db,
      clock,
      random: seededRandom(7),
      params: defaultArbitrageParams,
      renderer: null,
      readSecret: (n) => SECRETS[n],
      breakerFor: (n) => breakers.get(n),
    });
    t = await buildTestApp(tdb.db, {}, clock);
  });
  afterAll(async () => {
    await t?.app.close();
    await runner?.close();
    await site?.close();
    await tdb?.drop();
  });

  const layoutRejects = (name: string) =>
    tdb.db.kysely.selectFrom('import_rejects').selectAll().where('origin', '=', `source:${name}`).execute();

  it.each([
    ['gsa-changed', /none of the 20 lots has SaleNo, LotNo, AucEndDt, ItemName; the layout changed/],
    ['gsa-renamed', /no Results array in the answer \(found auctions\); the API changed/],
    ['maestro-changed', /none of the 25 lots has assetId, accountId, assetShortDescription, assetAuctionEndDateUtc/],
    ['ps-changed', /none of the 25 lots has auctionEndsAt; the layout changed/],
    ['ps-gone', /no div\.auction-item cards on the first page/],
  ])('%s: SourceLayoutError, a reject with the reason, the breaker open, no listing', async (name, message) => {
    const before = await tdb.db.kysely
      .selectFrom('listings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const report = await runner.run(name);
    expect(report).toMatchObject({ outcome: 'failed', accepted: 0, errors: [expect.stringMatching(/^SourceLayoutError: /)] });
    expect(report.errors[0]).toMatch(message);
    const kept = await layoutRejects(name);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.reason).toMatch(/^layout: /);
    expect(breakers.get(`source:${name}`).state()).toBe('open');
    const after = await tdb.db.kysely
      .selectFrom('listings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it.each([
    ['gsa-maintenance', /the source answered an HTML page \("Scheduled Maintenance"\) instead of JSON/],
    ['gsa-malformed', /the source answered an HTML page instead of JSON/],
  ])('%s: an HTML page in place of JSON fails the run as a fetch, not a layout change', async (name, message) => {
    const report = await runner.run(name);
    expect(report).toMatchObject({ outcome: 'failed', accepted: 0 });
    expect(report.errors).toEqual([expect.stringMatching(message)]);
    expect(report.errors[0]).not.toMatch(/SourceLayoutError/);
    expect(await layoutRejects(name)).toEqual([]);
    expect(breakers.get(`source:${name}`).state()).not.toBe('open');
  });

  it('an open breaker refuses the next run without a request, then lets one through after the half-open delay', async () => {
    const sent = site.requests.length;
    const refused = await runner.run('gsa-changed');
    expect(refused.outcome).toBe('failed');
    expect(refused.errors[0]).toMatch(/source:gsa-changed is temporarily unavailable \(circuit open\)/);
    expect(site.requests.length).toBe(sent);
    clock.advance(breakers.settings.halfOpenAfterMs);
    expect(breakers.get('source:gsa-changed').state()).toBe('closed');
    const retried = await runner.run('gsa-changed');
    expect(retried.errors[0]).toMatch(/SourceLayoutError/);
    expect(site.requests.length).toBeGreaterThan(sent);
  });

  it('a missing API key fails the run with the variable to set, and nothing is requested', async () => {
    const sent = site.requests.length;
    const report = await runner.run('gsa-nokey');
    expect(report).toMatchObject({
      outcome: 'failed',
      requests: 0,
      errors: [expect.stringMatching(/MissingApiKeyError: gsa-nokey: .*X-API-KEY.*apiKeyEnv/)],
    });
    expect(site.requests.length).toBe(sent);
  });

  it('a wrong key is a failed run naming the HTTP refusal', async () => {
    const other = new SourceRunner(sourcesFor(site), {
      db: tdb.db,
      clock,
      random: seededRandom(1),
      params: defaultArbitrageParams,
      renderer: null,
      readSecret: () => 'wrong-key',
    });
    try {
      const report = await other.run('gsa');
      expect(report).toMatchObject({ outcome: 'failed', errors: [expect.stringMatching(/HTTP 403/)] });
    } finally {
      await other.close();
    }
  });

  it('per-source parse coverage, compliance and last-run failure reach /api/quality and /metrics', async () => {
    for (const name of ['gsa', 'govdeals', 'allsurplus', 'ps-cat']) expect((await runner.run(name)).outcome).not.toBe('failed');
    const res = await t.app.inject({ method: 'GET', url: '/api/quality' });
    expect(res.statusCode).toBe(200);
    const scrapes = res.json().scrapes as Record<
      string,
      {
        kind: string;
        lastRun: { outcome: string; errors: string[] };
        parseCoverage: { ratio: number; fields: Record<string, number> };
        compliance: { ratio: number };
      }
    >;
    expect(scrapes.gsa).toMatchObject({ kind: 'gsa', lastRun: { outcome: 'ok' }, parseCoverage: { ratio: 1 }, compliance: { ratio: 1 } });
    expect(scrapes['ps-cat']!.parseCoverage.ratio).toBeCloseTo(456 / 464, 6);
    expect(scrapes['ps-cat']!.parseCoverage.fields.vin).toBeCloseTo(28 / 29, 6);
    expect(scrapes['gsa-changed']!.lastRun.outcome).toBe('failed');
    expect(scrapes['gsa-changed']!.lastRun.errors[0]).toMatch(/SourceLayoutError/);
    const metrics = await t.ctx.metrics.registry.metrics();
    expect(metrics).toMatch(/dealerscope_source_parse_coverage_ratio\{source="gsa"\} 1\n/);
    expect(metrics).toMatch(/dealerscope_source_contract_compliance_ratio\{source="allsurplus"\} 1\n/);
    expect(metrics).toMatch(/dealerscope_source_last_run_failed\{source="maestro-changed"\} 1\n/);
    expect(metrics).toMatch(/dealerscope_source_last_run_failed\{source="govdeals"\} 0\n/);
  });
});
