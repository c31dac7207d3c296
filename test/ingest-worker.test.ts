// Scrape jobs through BullMQ on the real Redis: two API replicas schedule the same sources
// (each slot is enqueued once) and two workers share the jobs, each landing listings through
// the pipeline into the shared database.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestion, type Ingestion } from '../src/ingest/scheduler/ingestion.js';
import type { BullScrapeQueue } from '../src/ingest/scheduler/queue.js';
import { parseSourcesConfig } from '../src/ingest/sources/config.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { requireRedis, SHARED_REDIS_URL, uniquePrefix } from './support/redis.js';
import { waitFor } from './support/wait-for.js';

const redisOk = await requireRedis();
const NOW = Date.now();

describe.runIf(redisOk)('BullMQ scrape workers', () => {
  let tdb: TestDb;
  let site: FixtureSite;
  const apps: TestApp[] = [];
  const running: Ingestion[] = [];
  const ran: Record<string, string[]> = { a: [], b: [] };
  const prefix = uniquePrefix('scrape').replace(/:$/, '');
  const lots = makeLots(6, 9, NOW);
  const names = ['gsa-1', 'gsa-2', 'gsa-3', 'gsa-4', 'gsa-5', 'gsa-6'];

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    site = await startAuctionSite({ now: NOW, gsa: lots, slowMs: 400 });
    const sources = parseSourcesConfig(
      {
        // Same fixture behind distinct source names; slow answers make the jobs overlap.
        sources: names.map((name) => ({
          name,
          kind: 'gsa',
          url: `${site.url}/slow/gsa/auctions?feed=${name}`,
          apiKeyEnv: 'GSA_API_KEY',
          intervalSeconds: 3_600,
          etiquette: { delayMs: 0 },
        })),
      },
      { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1' },
    );
    for (let i = 0; i < 4; i++) apps.push(await buildTestApp(tdb.db, { REDIS_URL: SHARED_REDIS_URL, GSA_API_KEY: 'fixture-key' }));
    for (const [i, who] of (['a', 'b'] as const).entries()) {
      running.push(
        startIngestion(apps[i]!.ctx, {
          schedule: false,
          work: true,
          pool: null,
          sources,
          queuePrefix: prefix,
          concurrency: 1,
          log: (m) => {
            const s = /^source (\S+): ok; /.exec(m)?.[1];
            if (s) ran[who]!.push(s);
          },
        })!,
      );
    }
    // Two API replicas schedule the same slots.
    for (const i of [2, 3])
      running.push(startIngestion(apps[i]!.ctx, { schedule: true, work: false, pool: null, sources, queuePrefix: prefix })!);
  });
  afterAll(async () => {
    await Promise.all(running.map((r) => r.close()));
    for (const a of apps) {
      await a.app.close();
      await a.ctx.redis?.close();
    }
    // Leave the shared Redis as it was: drop this run's queue keys.
    const r = new Redis(SHARED_REDIS_URL);
    const keys: string[] = [];
    for await (const batch of r.scanStream({ match: `${prefix}:*`, count: 500 })) keys.push(...(batch as string[]));
    if (keys.length) await r.del(...keys);
    await r.quit();
    await site?.close();
    await tdb?.drop();
  });

  it('runs every scheduled source exactly once, shared between both workers', async () => {
    const queue = running[0]!.queue as BullScrapeQueue;
    expect(queue.kind).toBe('bullmq');
    // Every job completed and nothing left waiting or running (a duplicate would show here).
    const counts = await waitFor(
      'every scheduled job done and the queue idle',
      async () => {
        const c = await queue.counts();
        return c.completed >= names.length && c.waiting === 0 && c.active === 0 ? c : null;
      },
      { timeoutMs: 40_000, intervalMs: 100 },
    );
    expect(counts).toMatchObject({ completed: names.length, failed: 0, waiting: 0, active: 0 });
    expect([...ran.a!, ...ran.b!].sort()).toEqual([...names].sort());
    expect(ran.a!.length).toBeGreaterThan(0);
    expect(ran.b!.length).toBeGreaterThan(0);
    const imports = await tdb.db.kysely.selectFrom('imports').select(['origin']).where('origin', 'like', 'source:gsa-%').execute();
    expect(imports).toHaveLength(names.length);
    const listings = await tdb.db.kysely.selectFrom('listings').select('lot_id').where('source', '=', 'gsa').execute();
    expect(listings).toHaveLength(lots.length);
  });
});
