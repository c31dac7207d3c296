// Faults of one replica among several, on the shared PostgreSQL (a database of its own) and a
// private Redis: a replica killed outright, and a replica told to stop (SIGTERM) mid-load.
// The load driver plays the load balancer: it takes the replica out of rotation at the moment
// of the fault, as Kubernetes does once the endpoint is removed (preStop delay, see deploy/k8s).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterPrerequisites, startClusterEnvironment, type ClusterEnvironment } from './support/environment.js';
import { isFailure, LoadDriver, summarise, type RequestRecord } from './support/load.js';
import { startReplicas, stopAll, waitFor, type Replica } from './support/replicas.js';
import { reportMeasurements } from './support/report.js';

const ready = await clusterPrerequisites({ privatePostgres: false });

const PATHS = [
  '/api/opportunities?page=1&limit=200',
  '/api/opportunities?page=2&limit=100&sort=profit',
  '/api/opportunities?page=1&limit=50&state=TX',
];

describe.runIf(ready)('cluster faults of one replica', () => {
  let env: ClusterEnvironment;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    env = await startClusterEnvironment({ privatePostgres: false });
  }, 180_000);
  afterEach(async () => {
    await stopAll(replicas);
    replicas = [];
  }, 30_000);
  afterAll(async () => {
    await env?.teardown();
  }, 60_000);

  const ofTarget = (records: RequestRecord[], r: Replica) => records.filter((x) => x.target === r.url);

  it('one of 3 replicas SIGKILLed: the other two keep serving without an error', async () => {
    replicas = await startReplicas(3, { databaseUrl: env.databaseUrl, redisUrl: env.redis.url });
    const [a, victim, c] = replicas;
    const driver = new LoadDriver({
      targets: replicas.map((r) => r.url),
      paths: PATHS,
      concurrency: 9,
      maxRequests: 20_000,
      maxDurationMs: 40_000,
    });
    const run = driver.run();
    try {
      await waitFor('300 requests on 3 replicas', async () => driver.records.length >= 300, 20_000);
      const inFlightAtKill = driver.inFlight(victim.url);
      const killedAt = driver.now();
      victim.kill('SIGKILL');
      driver.remove(victim.url);
      const exit = await victim.exited;
      await waitFor(
        '600 requests on the survivors after the kill',
        async () => driver.records.filter((r) => r.startedAt > killedAt).length >= 600,
        25_000,
      );
      driver.stop();
      const total = await run;

      const survivors = driver.records.filter((r) => r.target !== victim.url);
      const afterKill = driver.records.filter((r) => r.startedAt > killedAt);
      const victimRecords = ofTarget(driver.records, victim);
      reportMeasurements('replica-kill', {
        replicas: 3,
        total,
        exit,
        survivorsWholeRun: summarise(survivors),
        afterKill: summarise(afterKill),
        victimWholeRun: summarise(victimRecords),
        victimInFlightAtKill: inFlightAtKill.length,
        victimFailed: victimRecords.filter(isFailure).length,
        perSurvivorAfterKill: { [a.name]: ofTarget(afterKill, a).length, [c.name]: ofTarget(afterKill, c).length },
      });

      expect(exit.signal).toBe('SIGKILL');
      expect(survivors.filter(isFailure)).toHaveLength(0);
      expect(afterKill.every((r) => r.target !== victim.url)).toBe(true);
      // Both survivors carried the load, not just one of them.
      expect(ofTarget(afterKill, a).length).toBeGreaterThan(100);
      expect(ofTarget(afterKill, c).length).toBeGreaterThan(100);
      expect((await a.readyz()).status).toBe(200);
      expect((await c.readyz()).status).toBe(200);
    } finally {
      driver.stop();
      await run;
    }
  }, 60_000);

  it('SIGTERM during load: every request already in flight on that replica completes, exit 0', async () => {
    replicas = await startReplicas(2, { databaseUrl: env.databaseUrl, redisUrl: env.redis.url });
    const [stopping, other] = replicas;
    const driver = new LoadDriver({
      targets: replicas.map((r) => r.url),
      paths: PATHS,
      concurrency: 8,
      maxRequests: 20_000,
      maxDurationMs: 40_000,
    });
    const run = driver.run();
    try {
      await waitFor('200 requests', async () => driver.records.length >= 200, 20_000);
      // Signal at a moment when the replica is busy, so "in flight" is not vacuous.
      await waitFor('requests in flight on the replica', async () => driver.inFlight(stopping.url).length >= 2, 10_000, 1);
      const inFlight = driver.inFlight(stopping.url);
      const termAt = driver.now();
      stopping.kill('SIGTERM');
      driver.remove(stopping.url);
      const exit = await stopping.exited;
      const exitedAt = driver.now();
      await waitFor(
        '300 requests on the other replica after the stop',
        async () => driver.records.filter((r) => r.startedAt > termAt).length >= 300,
        20_000,
      );
      driver.stop();
      const total = await run;

      const inFlightOutcome = summarise(inFlight);
      const otherRecords = ofTarget(driver.records, other);
      reportMeasurements('sigterm-drain', {
        replicas: 2,
        total,
        exit,
        drainMs: Math.round(exitedAt - termAt),
        inFlightAtSigterm: inFlight.length,
        inFlightOutcome,
        stoppedReplicaWholeRun: summarise(ofTarget(driver.records, stopping)),
        otherReplicaWholeRun: summarise(otherRecords),
      });

      expect(inFlight.length).toBeGreaterThanOrEqual(2);
      // Listed, not counted, so a failure shows what each of them got.
      expect(inFlight.filter((r) => !(r.endedAt > 0 && r.status === 200))).toEqual([]);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(driver.records.filter(isFailure)).toHaveLength(0);
      expect(otherRecords.length).toBeGreaterThan(300);
    } finally {
      driver.stop();
      await run;
    }
  }, 60_000);
});
