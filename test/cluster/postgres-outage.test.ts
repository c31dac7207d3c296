// Fault: the PostgreSQL server goes away under load and comes back. Replicas must report it on
// /readyz (database down → 503) while staying alive (/healthz 200, so Kubernetes does not restart
// them), answer every request with an HTTP response, and recover on their own once it returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPrerequisites, startClusterEnvironment, type ClusterEnvironment } from './support/environment.js';
import { isFailure, LoadDriver, summarise } from './support/load.js';
import { startReplicas, stopAll, waitFor, type Replica } from './support/replicas.js';
import { reportMeasurements } from './support/report.js';

const ready = await clusterPrerequisites({ privatePostgres: true });

// Production at phase 0 has no cache (v4 behaviour); staging runs the v5 cache on Redis, whose
// entries may carry reads through the outage. Both report how many reads failed.
const PROFILES = [
  { profile: 'production', label: 'production phase 0 (no cache)' },
  { profile: 'staging', label: 'staging (v5 cache on Redis)' },
];

describe.runIf(ready).each(PROFILES)('cluster fault: PostgreSQL stopped under load, $label', ({ profile, label }) => {
  let env: ClusterEnvironment;
  let replicas: Replica[] = [];
  let detailPath = '';

  beforeAll(async () => {
    env = await startClusterEnvironment({ privatePostgres: true });
    replicas = await startReplicas(2, { databaseUrl: env.databaseUrl, redisUrl: env.redis.url, env: { DEALERSCOPE_ENV: profile } });
    const first = (await fetch(`${replicas[0].url}/api/opportunities?page=1&limit=1`).then((r) => r.json())) as {
      data: Array<{ id: string }>;
    };
    detailPath = `/api/opportunities/${first.data[0].id}`;
  }, 180_000);

  afterAll(async () => {
    await stopAll(replicas);
    replicas = [];
    await env?.teardown();
  }, 60_000);

  const databaseDown = async (r: Replica) => {
    const { status, body } = await r.readyz();
    return status === 503 && body.components?.database?.status === 'down';
  };
  const fullyReady = async (r: Replica) => (await r.readyz()).status === 200;

  it('reports not-ready, stays alive, answers every request and recovers by itself', async () => {
    const driver = new LoadDriver({
      targets: replicas.map((r) => r.url),
      paths: ['/api/opportunities?page=1&limit=50', '/api/opportunities?page=3&limit=20&sort=profit', detailPath],
      concurrency: 8,
      maxRequests: 60_000,
      maxDurationMs: 45_000,
      requestTimeoutMs: 5000,
    });
    const run = driver.run();
    try {
      await waitFor('200 baseline requests', async () => driver.records.length >= 200, 15_000);
      const stoppedAt = driver.now();
      await env.postgres!.stop('fast');
      const detectMs = await waitFor(
        'readyz to report the database down on every replica',
        async () => (await Promise.all(replicas.map(databaseDown))).every(Boolean),
        10_000,
      );

      // Hold the outage under load long enough to see how reads fare.
      await new Promise((r) => setTimeout(r, 2000));
      const healthz = await Promise.all(replicas.map((r) => fetch(`${r.url}/healthz`).then((res) => res.status)));
      expect(healthz).toEqual(replicas.map(() => 200));
      expect(replicas.every((r) => r.alive())).toBe(true);

      const restartAt = driver.now();
      await env.postgres!.start();
      const recoverMs = await waitFor(
        'readyz 200 on every replica after PostgreSQL is back',
        async () => (await Promise.all(replicas.map(fullyReady))).every(Boolean),
        20_000,
      );
      const recoveredAt = driver.now();
      await waitFor(
        '300 requests after recovery',
        async () => driver.records.filter((r) => r.startedAt > recoveredAt).length >= 300,
        15_000,
      );
      driver.stop();
      const total = await run;

      const before = driver.records.filter((r) => r.endedAt < stoppedAt);
      const outage = driver.records.filter((r) => r.startedAt >= stoppedAt && r.endedAt <= restartAt);
      const after = driver.records.filter((r) => r.startedAt > recoveredAt);
      const measured = {
        profile: label,
        replicas: replicas.length,
        seededListings: env.seeded.accepted,
        total,
        detectMs,
        recoverMsAfterRestart: recoverMs,
        beforeOutage: summarise(before),
        duringOutage: summarise(outage),
        afterRecovery: summarise(after),
        outageReadsFailed: outage.filter(isFailure).length,
        outageReads: outage.length,
      };
      reportMeasurements(`postgres-outage-${profile}`, measured);

      expect(before.filter(isFailure)).toHaveLength(0);
      expect(outage.length).toBeGreaterThan(0);
      // A replica without its database still answers (an error document), never drops the connection.
      expect(outage.filter((r) => r.status === 0)).toHaveLength(0);
      expect(after.filter(isFailure)).toHaveLength(0);
      expect(replicas.every((r) => r.alive())).toBe(true);
    } finally {
      driver.stop();
      await run;
    }
  }, 60_000);
});
