// The phase-4 cluster proof: 3 API replicas and 2 scrape workers on one PostgreSQL database and
// one Redis (staging profile: every v5 feature on, cache on Redis), behind a trusted loopback
// "load balancer" (TRUST_PROXY=loopback; the test names the client in X-Forwarded-For). Shows:
// the per-IP limit exact across replicas, a flag change and the kill switch in force on every
// replica in < 1 s, the shared cache's hit rate on the benchmark workload, and scrape jobs spread
// over both workers. The one-controller check is rollout-controller.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_PER_MINUTE } from '../../src/resilience/rate-limit.js';
import { makeLots, startAuctionSite, type FixtureSite } from '../fixtures/auction-site/server.js';
import { clientIp, freshClients } from './support/client-ips.js';
import { clusterPrerequisites, startClusterEnvironment, type ClusterEnvironment } from './support/environment.js';
import { LoadDriver } from './support/load.js';
import { scrape, sumOf, type Sample } from './support/metrics.js';
import { timeUntilInForce } from './support/probes.js';
import { startReplicas, stopAll, waitFor, type Replica } from './support/replicas.js';
import { reportMeasurements } from './support/report.js';
import { activeOpportunityIds, sourceImports } from './support/queries.js';
import { benchmarkPaths } from './support/workload.js';

const ready = await clusterPrerequisites({ privatePostgres: false });

const LIMIT = DEFAULT_RATE_LIMIT_PER_MINUTE;
const SOURCES = Array.from({ length: 12 }, (_, i) => `cluster-gsa-${String(i + 1).padStart(2, '0')}`);
// A week is the longest interval the sources section allows: every replica computes the same slot.
const SOURCE_INTERVAL_S = 604_800;
const WARMUP_REQUESTS = 6000;
const MEASURED_REQUESTS = 6000;

describe.runIf(ready)('cluster proof: 3 API replicas + 2 workers on PostgreSQL and Redis', () => {
  let env: ClusterEnvironment;
  let site: FixtureSite;
  let apis: Replica[] = [];
  let workers: Replica[] = [];
  let workerEnv: Record<string, string> = {};
  const probeClient = freshClients(10_000);

  beforeAll(async () => {
    env = await startClusterEnvironment({ privatePostgres: false });
    const now = Date.now();
    site = await startAuctionSite({ now, gsa: makeLots(9, 8, now), slowMs: 400 });
    const sources = JSON.stringify({
      // One fixture feed behind distinct source names, answering slowly so jobs overlap.
      sources: SOURCES.map((name) => ({
        name,
        kind: 'gsa',
        url: `${site.url}/slow/gsa/auctions?feed=${name}`,
        apiKeyEnv: 'GSA_API_KEY',
        intervalSeconds: SOURCE_INTERVAL_S,
        etiquette: { delayMs: 0 },
      })),
    });
    const shared = {
      DEALERSCOPE_ENV: 'staging',
      DEALERSCOPE_SOURCES: sources,
      GSA_API_KEY: 'fixture-key',
      SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      SCRAPE_QUEUE_PREFIX: 'dscluster',
    };
    apis = await startReplicas(3, {
      databaseUrl: env.databaseUrl,
      redisUrl: env.redis.url,
      env: { ...shared, TRUST_PROXY: 'loopback', FF_ENABLE_RATE_LIMITING: 'true' },
    });
    workerEnv = shared;
  }, 180_000);
  afterAll(async () => {
    await stopAll([...workers, ...apis]);
    await site?.close();
    await env?.teardown();
  }, 60_000);

  // The workers start in the scrape check: until then the jobs the replicas scheduled wait in the
  // queue, so no ingest changes the data (and the cache's data version) under the other checks.
  const startWorkers = () =>
    startReplicas(
      2,
      {
        databaseUrl: env.databaseUrl,
        redisUrl: env.redis.url,
        env: workerEnv,
        args: ['worker', '--concurrency', '1'],
      },
      'worker',
    );

  const get = (r: Replica, path: string, ip: string) =>
    fetch(`${r.url}${path}`, { headers: { 'X-Forwarded-For': ip }, signal: AbortSignal.timeout(5000) });
  const flagsOf = async (r: Replica) =>
    (await (await r.admin('/admin/feature-flags')).json()) as { flags: Record<string, unknown>; emergency: boolean };

  it(`refuses the ${LIMIT + 1}st request of a client in the minute whichever replica gets it`, async () => {
    for (const r of apis) expect((await flagsOf(r)).flags.ENABLE_RATE_LIMITING).toBe(true);
    const path = '/api/opportunities?page=1&limit=5';
    // Client A, one request at a time, round-robin: the count is one for the whole cluster.
    const a = clientIp(1);
    const sequential: Array<{ replica: string; status: number; remaining: number | null }> = [];
    for (let i = 0; i < LIMIT + apis.length; i++) {
      const r = apis[i % apis.length]!;
      const res = await get(r, path, a);
      await res.arrayBuffer();
      const remaining = res.headers.get('ratelimit-remaining');
      sequential.push({ replica: r.name, status: res.status, remaining: remaining === null ? null : Number(remaining) });
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      }
    }
    const allowed = sequential.filter((s) => s.status === 200);
    const refused = sequential.filter((s) => s.status === 429);
    expect(allowed).toHaveLength(LIMIT);
    expect(sequential.slice(0, LIMIT).every((s) => s.status === 200)).toBe(true);
    // One shared counter: every replica reports the cluster-wide remaining quota.
    expect(allowed.map((s) => s.remaining)).toEqual(Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i));
    expect(new Set(refused.map((s) => s.replica))).toEqual(new Set(apis.map((r) => r.name)));

    // Client B, a concurrent burst of 1.5× the limit over all replicas.
    const burst = new LoadDriver({
      targets: apis.map((r) => r.url),
      paths: [path],
      concurrency: 15,
      maxRequests: LIMIT * 1.5,
      maxDurationMs: 30_000,
      headers: { 'X-Forwarded-For': clientIp(2) },
    });
    const burstSummary = await burst.run();
    const perReplica = Object.fromEntries(
      apis.map((r) => {
        const mine = burst.records.filter((x) => x.target === r.url);
        return [r.name, { ok: mine.filter((x) => x.status === 200).length, refused: mine.filter((x) => x.status === 429).length }];
      }),
    );
    expect(burstSummary.byStatus['200']).toBe(LIMIT);
    expect(burstSummary.byStatus['429']).toBe(LIMIT * 0.5);
    expect(burstSummary.failed).toBe(0);

    // Another client is unaffected by A's and B's exhausted quotas.
    const other = await get(apis[0]!, path, clientIp(3));
    expect(other.status).toBe(200);
    const limited = (await Promise.all(apis.map((r) => scrape(r.url)))).map((s) => sumOf(s, 'dealerscope_rate_limited_total'));
    expect(limited.reduce((x, y) => x + y, 0)).toBe(refused.length + LIMIT * 0.5);

    reportMeasurements('cluster-rate-limit', {
      replicas: apis.length,
      limitPerMinute: LIMIT,
      sequentialClient: {
        sent: sequential.length,
        allowed: allowed.length,
        refused: refused.length,
        refusedOn: refused.map((s) => s.replica),
        firstRefusedRequestNumber: sequential.findIndex((s) => s.status === 429) + 1,
        allowedPerReplica: Object.fromEntries(apis.map((r) => [r.name, allowed.filter((s) => s.replica === r.name).length])),
      },
      burstClient: {
        sent: burstSummary.sent,
        allowed: burstSummary.byStatus['200'] ?? 0,
        refused: burstSummary.byStatus['429'] ?? 0,
        perReplica,
      },
      rateLimitedTotalPerReplica: Object.fromEntries(apis.map((r, i) => [r.name, limited[i]])),
    });
  }, 60_000);

  it('puts a flag change and the kill switch in force on every replica within 1 s', async () => {
    const page = '/api/opportunities?page=1&limit=5';
    const cursor = '/api/opportunities?cursor=&limit=5';
    const status = async (r: Replica, path: string) => {
      const res = await get(r, path, probeClient());
      const body = (await res.json()) as { error?: { code?: string } };
      return { status: res.status, code: body.error?.code };
    };
    for (const r of apis) {
      expect((await status(r, page)).status).toBe(200);
      expect((await status(r, cursor)).status).toBe(200);
    }

    // A flag change on replica 1: the legacy page API off → 410 for page requests everywhere.
    const changeStarted = performance.now();
    const changing = apis[0]!.admin('/admin/feature-flags', {
      method: 'POST',
      body: JSON.stringify({ LEGACY_PAGE_API: false }),
      headers: { 'X-Change-Reason': 'cluster propagation test' },
    });
    const flagChange = await Promise.all(
      apis.map((r) => timeUntilInForce(async () => (await status(r, page)).status === 410, changeStarted, 5000)),
    );
    expect((await changing).status).toBe(200);

    // The kill switch on replica 2: v4 behaviour everywhere (cursor mode refused, legacy pages back).
    const killStarted = performance.now();
    const killing = apis[1]!.admin('/admin/feature-flags', {
      method: 'POST',
      body: JSON.stringify({ EMERGENCY_ROLLBACK: true }),
      headers: { 'X-Change-Reason': 'cluster kill-switch test' },
    });
    const killSwitch = await Promise.all(
      apis.map((r) =>
        timeUntilInForce(
          async () => {
            const [c, p] = await Promise.all([status(r, cursor), status(r, page)]);
            return c.status === 400 && c.code === 'cursor_pagination_disabled' && p.status === 200;
          },
          killStarted,
          5000,
        ),
      ),
    );
    expect((await killing).status).toBe(200);
    for (const r of apis) {
      const view = await flagsOf(r);
      expect(view.emergency).toBe(true);
      expect(view.flags.ENABLE_PRODUCTION_CACHE).toBe(false);
      expect(view.flags.ENABLE_RATE_LIMITING).toBe(false);
    }

    // Cleared on replica 3: back to the staging profile everywhere.
    const clearStarted = performance.now();
    for (const name of ['EMERGENCY_ROLLBACK', 'LEGACY_PAGE_API']) {
      expect((await apis[2]!.admin(`/admin/feature-flags/${name}`, { method: 'DELETE' })).status).toBe(200);
    }
    const cleared = await Promise.all(
      apis.map((r) =>
        timeUntilInForce(
          async () => {
            const [c, p] = await Promise.all([status(r, cursor), status(r, page)]);
            return c.status === 200 && p.status === 200;
          },
          clearStarted,
          5000,
        ),
      ),
    );

    const perReplica = (xs: Array<{ ms: number; probes: number }>) => Object.fromEntries(apis.map((r, i) => [r.name, xs[i]]));
    reportMeasurements('cluster-flag-propagation', {
      replicas: apis.length,
      measuredFrom: 'start of the admin request',
      observedBy: 'real /api requests (first response showing the new behaviour, then 5 confirming)',
      flagChange: { change: 'LEGACY_PAGE_API=false via replica 1', perReplicaMs: perReplica(flagChange) },
      killSwitch: { change: 'EMERGENCY_ROLLBACK=true via replica 2', perReplicaMs: perReplica(killSwitch) },
      cleared: { change: 'both overrides deleted via replica 3', perReplicaMs: perReplica(cleared) },
    });
    for (const p of [...flagChange, ...killSwitch, ...cleared]) expect(p.ms).toBeLessThan(1000);
  }, 60_000);

  it('serves the benchmark workload from the shared Redis cache at 95 % of the hit rate a never-evicting cache could reach', async () => {
    // This load comes from one address: the per-IP limit is switched off for it at runtime.
    expect(
      (await apis[0]!.admin('/admin/feature-flags', { method: 'POST', body: JSON.stringify({ ENABLE_RATE_LIMITING: false }) })).status,
    ).toBe(200);
    await waitFor(
      'rate limiting off on every replica',
      async () => (await Promise.all(apis.map(flagsOf))).every((v) => v.flags.ENABLE_RATE_LIMITING === false),
      5000,
    );
    for (const r of apis) expect((await flagsOf(r)).flags.CACHE_PROVIDER).toBe('redis');

    const ids = await activeOpportunityIds(env.databaseUrl);
    const paths = benchmarkPaths(ids, WARMUP_REQUESTS + MEASURED_REQUESTS, 11);
    const cacheCounts = async () => {
      const all = await Promise.all(apis.map((r) => scrape(r.url)));
      const of = (s: Sample[]) => ({
        hits: sumOf(s, 'dealerscope_cache_requests_total', { result: 'hit' }),
        misses: sumOf(s, 'dealerscope_cache_requests_total', { result: 'miss' }),
        memoryHits: sumOf(s, 'dealerscope_cache_tier_hits_total', { tier: 'memory' }),
        redisHits: sumOf(s, 'dealerscope_cache_tier_hits_total', { tier: 'redis' }),
      });
      return all.map(of);
    };
    const phase = async (name: string, slice: string[]) => {
      const before = await cacheCounts();
      const driver = new LoadDriver({
        targets: apis.map((r) => r.url),
        paths: slice,
        concurrency: 12,
        maxRequests: slice.length,
        maxDurationMs: 60_000,
      });
      const load = await driver.run();
      const after = await cacheCounts();
      const delta = after.map((a, i) => ({
        hits: a.hits - before[i]!.hits,
        misses: a.misses - before[i]!.misses,
        memoryHits: a.memoryHits - before[i]!.memoryHits,
        redisHits: a.redisHits - before[i]!.redisHits,
      }));
      const hits = delta.reduce((x, d) => x + d.hits, 0);
      const misses = delta.reduce((x, d) => x + d.misses, 0);
      return {
        name,
        load,
        hits,
        misses,
        hitRate: hits / Math.max(1, hits + misses),
        redisTierHits: delta.reduce((x, d) => x + d.redisHits, 0),
        perReplica: Object.fromEntries(
          apis.map((r, i) => [r.name, { ...delta[i], hitRate: delta[i]!.hits / Math.max(1, delta[i]!.hits + delta[i]!.misses) }]),
        ),
      };
    };
    const warm = await phase('warm-up', paths.slice(0, WARMUP_REQUESTS));
    const measured = await phase('measured', paths.slice(WARMUP_REQUESTS));
    const overallHits = warm.hits + measured.hits;
    const overall = overallHits / Math.max(1, overallHits + warm.misses + measured.misses);
    reportMeasurements('cluster-cache-hit-rate', {
      replicas: apis.length,
      provider: 'redis (memory tier in front of Redis)',
      opportunities: ids.length,
      workload: 'bench/workload.ts mix (Zipf s=1 lists and details, 35 % details), seed 11, round-robin',
      warmUp: warm,
      measured,
      hitRateWholeRunIncludingColdStart: overall,
    });
    expect(warm.load.failed + measured.load.failed).toBe(0);
    expect(measured.load.sent).toBe(MEASURED_REQUESTS);
    // Misses filled by one replica are hits on the others: the cache is shared, not per process.
    expect(measured.redisTierHits).toBeGreaterThan(0);
    // The bound is what a cache that never evicts could serve after this warm-up: every path already
    // asked once is a hit. A cache per process (or one that lost its entries) falls far below it.
    const seen = new Set(paths.slice(0, WARMUP_REQUESTS));
    let firstAsks = 0;
    for (const p of paths.slice(WARMUP_REQUESTS))
      if (!seen.has(p)) {
        seen.add(p);
        firstAsks += 1;
      }
    const bound = 1 - firstAsks / MEASURED_REQUESTS;
    reportMeasurements('cluster-cache-hit-rate-bound', { measured: measured.hitRate, bound, shareOfBound: measured.hitRate / bound });
    expect(measured.hitRate).toBeGreaterThanOrEqual(0.95 * bound);
  }, 90_000);

  it('spreads the scheduled scrape jobs over both workers, each slot run once', async () => {
    workers = await startWorkers();
    const runs = async () =>
      (await Promise.all(workers.map((w) => scrape(w.url)))).map((s) => ({
        ok: sumOf(s, 'dealerscope_source_runs_total', { outcome: 'ok' }),
        failed: sumOf(s, 'dealerscope_source_runs_total', { outcome: 'failed' }),
      }));
    await waitFor(
      `${SOURCES.length} scrape jobs done`,
      async () => (await runs()).reduce((x, r) => x + r.ok + r.failed, 0) >= SOURCES.length,
      60_000,
      200,
    );
    // Three schedulers enqueued the same slots: no job may run twice.
    await new Promise((r) => setTimeout(r, 1000));
    const perWorker = await runs();
    const imports = await sourceImports(env.databaseUrl, 'cluster-gsa-');
    reportMeasurements('cluster-scrape-jobs', {
      apiReplicasScheduling: apis.length,
      workers: workers.length,
      sources: SOURCES.length,
      workerConcurrency: 1,
      jobsPerWorker: Object.fromEntries(workers.map((w, i) => [w.name, perWorker[i]])),
      sourceImportsInDatabase: imports,
      fixtureRequests: site.requests.length,
    });
    // A failed run says why in its worker's log.
    expect(
      perWorker.reduce((x, r) => x + r.failed, 0),
      workers.map((w) => `${w.name}:\n${w.output().slice(-4000)}`).join('\n'),
    ).toBe(0);
    expect(perWorker.reduce((x, r) => x + r.ok, 0)).toBe(SOURCES.length);
    for (const w of perWorker) expect(w.ok).toBeGreaterThan(0);
    expect(imports).toBe(SOURCES.length);
  }, 90_000);
});
