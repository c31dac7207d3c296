// Fault: the shared Redis is killed under load and restarted. With the v5 features on and the
// cache on Redis (staging profile), every Redis user has a local fallback, so replicas must keep
// answering without a 5xx, stay in rotation (Redis is "degraded", not "down") and reconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPrerequisites, startClusterEnvironment, type ClusterEnvironment } from './support/environment.js';
import { isFailure, LoadDriver, summarise } from './support/load.js';
import { startReplicas, stopAll, waitFor, type Replica } from './support/replicas.js';
import { reportMeasurements } from './support/report.js';

const ready = await clusterPrerequisites({ privatePostgres: false });

describe.runIf(ready)('cluster fault: Redis killed and restarted under load', () => {
  let env: ClusterEnvironment;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    env = await startClusterEnvironment({ privatePostgres: false });
    replicas = await startReplicas(2, { databaseUrl: env.databaseUrl, redisUrl: env.redis.url, env: { DEALERSCOPE_ENV: 'staging' } });
  }, 180_000);
  afterAll(async () => {
    await stopAll(replicas);
    await env?.teardown();
  }, 60_000);

  const redisStatus = async (r: Replica) => (await r.readyz()).body.components?.redis?.status;

  it('serves every request, stays ready and reconnects by itself', async () => {
    for (const r of replicas) {
      const flags = (await (await r.admin('/admin/feature-flags')).json()) as { flags: Record<string, unknown> };
      expect(flags.flags.CACHE_PROVIDER).toBe('redis');
    }
    const driver = new LoadDriver({
      targets: replicas.map((r) => r.url),
      paths: [
        '/api/opportunities?page=1&limit=50',
        '/api/opportunities?page=2&limit=50&sort=profit',
        '/api/opportunities?page=1&limit=25&state=TX',
      ],
      concurrency: 8,
      maxRequests: 30_000,
      maxDurationMs: 40_000,
      requestTimeoutMs: 5000,
    });
    const run = driver.run();
    const readyzDuringOutage: number[] = [];
    try {
      await waitFor('200 baseline requests', async () => driver.records.length >= 200, 15_000);
      const killedAt = driver.now();
      await env.redis.stop();
      const detectMs = await waitFor(
        'readyz to report Redis not ok on every replica',
        async () => (await Promise.all(replicas.map(redisStatus))).every((s) => s !== 'ok'),
        10_000,
      );
      for (let i = 0; i < 10; i++) {
        for (const r of replicas) readyzDuringOutage.push((await r.readyz()).status);
        await new Promise((res) => setTimeout(res, 150));
      }
      const restartAt = driver.now();
      await env.redis.start();
      const reconnectMs = await waitFor(
        'Redis ok again on every replica',
        async () => (await Promise.all(replicas.map(redisStatus))).every((s) => s === 'ok'),
        15_000,
      );
      const recoveredAt = driver.now();
      await waitFor(
        '300 requests after reconnecting',
        async () => driver.records.filter((r) => r.startedAt > recoveredAt).length >= 300,
        15_000,
      );
      driver.stop();
      const total = await run;

      const outage = driver.records.filter((r) => r.endedAt >= killedAt && r.startedAt <= restartAt);
      reportMeasurements('redis-outage', {
        replicas: replicas.length,
        profile: 'staging (CACHE_PROVIDER=redis)',
        total,
        detectMs,
        reconnectMsAfterRestart: reconnectMs,
        duringOutage: summarise(outage),
        afterReconnect: summarise(driver.records.filter((r) => r.startedAt > recoveredAt)),
        readyzDuringOutage: { samples: readyzDuringOutage.length, non200: readyzDuringOutage.filter((s) => s !== 200).length },
      });

      expect(outage.length).toBeGreaterThan(0);
      expect(driver.records.filter(isFailure)).toHaveLength(0);
      expect(readyzDuringOutage.every((s) => s === 200)).toBe(true);
      expect(replicas.every((r) => r.alive())).toBe(true);
    } finally {
      driver.stop();
      await run;
    }
  }, 60_000);
});
