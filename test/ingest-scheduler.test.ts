// The in-process scrape path (no Redis): the scheduler enqueues each source per interval slot,
// jobs run through the pipeline, and a source that needs rendering waits — queued, not
// dropped — while ENABLE_BROWSER_POOL is off, then completes when it is switched on at runtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserPool } from '../src/ingest/browser/pool.js';
import { startIngestion, type Ingestion } from '../src/ingest/scheduler/ingestion.js';
import { parseSourcesConfig } from '../src/ingest/sources/config.js';
import { ManualClock } from '../src/common/clock.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { requireChromium } from './support/chromium.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { waitFor } from './support/wait-for.js';

const hasChromium = requireChromium();
const NOW = Date.UTC(2026, 10, 26, 12);

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  await waitFor(what, check, { timeoutMs: ms, intervalMs: 100 });
}

describe.runIf(hasChromium)('in-process scheduling', () => {
  let tdb: TestDb;
  let site: FixtureSite;
  let t: TestApp;
  let ingestion: Ingestion;
  let pool: BrowserPool;
  const clock = new ManualClock(NOW);
  const psLots = makeLots(4, 5, NOW);
  const gsaLots = makeLots(5, 6, NOW);

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    site = await startAuctionSite({ now: NOW, publicsurplus: psLots, gsa: gsaLots, scriptedDetails: true });
    t = await buildTestApp(tdb.db, { CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', GSA_API_KEY: 'fixture-key' }, clock);
    t.ctx.flags.setOverrides({ ENABLE_BROWSER_POOL: false, MAX_BROWSER_CONTEXTS: 2 });
    const fast = { delayMs: 0 };
    const sources = parseSourcesConfig(
      {
        sources: [
          { name: 'gsa', kind: 'gsa', url: `${site.url}/gsa/auctions`, apiKeyEnv: 'GSA_API_KEY', intervalSeconds: 60, etiquette: fast },
          {
            name: 'ps-rendered',
            kind: 'publicsurplus',
            url: `${site.url}/ps/sms/browse/cataucs`,
            intervalSeconds: 3_600,
            render: true,
            etiquette: fast,
          },
        ],
      },
      { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1' },
    );
    pool = t.app.browserPool;
    ingestion = startIngestion({ ...t.ctx, evidence: t.app.evidence }, { schedule: true, work: true, pool, sources })!;
  });
  afterAll(async () => {
    await ingestion?.close();
    await t?.app.close();
    await site?.close();
    await tdb?.drop();
  });

  const imports = (origin: string) =>
    tdb.db.kysely.selectFrom('imports').selectAll().where('origin', '=', origin).where('status', '=', 'done').execute();
  const listings = (source: string) => tdb.db.kysely.selectFrom('listings').selectAll().where('source', '=', source).execute();

  it('runs plain-HTTP sources while the rendering source waits for the pool', async () => {
    expect(ingestion.queue.kind).toBe('in-process');
    await until('the GSA run', async () => (await imports('source:gsa')).length === 1);
    expect(await listings('gsa')).toHaveLength(gsaLots.length);
    await until('the rendered job to queue at the pool', () => pool.stats.queued === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(pool.stats).toMatchObject({ active: 0, queued: 1, browsers: 0 });
    expect(await listings('publicsurplus')).toHaveLength(0);
  });

  it('finishes the rendered source once the pool is switched on at runtime; its text came from script', async () => {
    t.ctx.flags.setOverrides({ ENABLE_BROWSER_POOL: true, MAX_BROWSER_CONTEXTS: 2 });
    await until('the rendered run', async () => (await imports('source:ps-rendered')).length === 1, 60_000);
    const rows = await listings('publicsurplus');
    expect(rows).toHaveLength(psLots.length);
    // VIN, odometer and premium exist only in the script-built detail text.
    for (const lot of psLots) {
      const row = rows.find((r) => r.lot_id === String(lot.id));
      expect([row?.vin, row?.mileage, row?.buyer_premium_bp]).toEqual([lot.vin, lot.mileage, 1000]);
    }
    const metrics = await t.ctx.metrics.registry.metrics();
    expect(metrics).toMatch(/dealerscope_browser_contexts\{state="queued"\} 0/);
    expect(metrics).toMatch(/dealerscope_browser_jobs_total\{outcome="ok"\} [1-9]/);
    expect(t.ctx.signals.read('browser_pool_failure_ratio')).toBe(0);
  });

  it('enqueues the next slot when the interval passes', async () => {
    clock.advance(60_000);
    await until('the second GSA run', async () => (await imports('source:gsa')).length === 2);
    const [, second] = await imports('source:gsa');
    expect([second!.created, second!.updated, second!.unchanged]).toEqual([0, 0, gsaLots.length]);
    expect((await imports('source:ps-rendered')).length).toBe(1);
  });
});
