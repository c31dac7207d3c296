// Exactly one rollout controller acts for the fleet. Three API replicas (staging profile, every
// v5 feature on) share a database in which contract compliance has collapsed — a breach every
// replica measures, since compliance is computed from the shared tables. Each replica's
// controller sees the "compliance < 90 % for 5 min" trigger breach; the lease in Redis and the
// latch in the database must let one of them roll phase 3 back, once, and every replica must
// then run with phase 2's flags.
//
// Five minutes of `for:` cannot pass in a bounded test, so the replicas run with wall-clock time
// sped up (support/fast-clock.mjs: Date.now, which the service's Clock reads, runs CLOCK_RATE×);
// timers and request durations keep real time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPrerequisites, startClusterEnvironment, type ClusterEnvironment } from './support/environment.js';
import { baseEnv, runCli, startReplicas, stopAll, waitFor, type Replica } from './support/replicas.js';
import { reportMeasurements } from './support/report.js';

const ready = await clusterPrerequisites({ privatePostgres: false });

const CLOCK_RATE = 60;
const INTERVAL_MS = 200;
const TRIGGER = 'contract_compliance_low';
const fastClock = pathToFileURL(fileURLToPath(new URL('./support/fast-clock.mjs', import.meta.url))).href;

interface Decision {
  id: number;
  kind: string;
  triggers: string[];
  fromPhase: number | null;
  toPhase: number | null;
  actor: string;
  at: string;
}
interface RolloutView {
  triggers: Array<{ id: string; status: string }>;
  latches: Array<{ trigger: string; decisionId: number }>;
}
interface FlagView {
  flags: Record<string, unknown>;
  phase: number | null;
}

/** A feed whose rows parse but mostly break the contract (ZIP in another state than stated). */
function nonCompliantFeed(rows: number, compliant: number, now: number): string {
  const header =
    'source,lot_id,title,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status,description';
  const end = new Date(now + 5 * 86_400_000).toISOString();
  const lines = Array.from({ length: rows }, (_, i) => {
    const state = i < compliant ? 'TX' : 'NV';
    return `govdeals,QC-${i + 1},2018 Ford F-150,2018,Ford,F-150,XL,,${60_000 + i * 100},${4000 + i * 10},${end},Austin,${state},78701,,clean,fleet pickup ${i + 1}`;
  });
  return `${[header, ...lines].join('\n')}\n`;
}

describe.runIf(ready)('cluster: exactly one rollout controller acts', () => {
  let env: ClusterEnvironment;
  let apis: Replica[] = [];
  let dir = '';

  beforeAll(async () => {
    env = await startClusterEnvironment({ privatePostgres: false });
    dir = mkdtempSync(join(tmpdir(), 'ds-cluster-feed-'));
    const feed = join(dir, 'non-compliant.csv');
    writeFileSync(feed, nonCompliantFeed(40, 8, Date.now()));
    // Staging: the data contract is on, so the import records its (poor) compliance.
    const ingested = await runCli(['ingest', '--file', feed, '--json'], {
      ...baseEnv({ databaseUrl: env.databaseUrl }),
      DEALERSCOPE_ENV: 'staging',
    });
    if (ingested.code !== 0 && ingested.code !== 2) throw new Error(`ingest failed (${ingested.code}):\n${ingested.stderr}`);
    apis = await startReplicas(3, {
      databaseUrl: env.databaseUrl,
      redisUrl: env.redis.url,
      env: {
        DEALERSCOPE_ENV: 'staging',
        NODE_OPTIONS: `--import=${fastClock}`,
        DEALERSCOPE_TEST_CLOCK_RATE: String(CLOCK_RATE),
        ROLLOUT_INTERVAL_MS: String(INTERVAL_MS),
      },
    });
  }, 180_000);
  afterAll(async () => {
    await stopAll(apis);
    await env?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const json = async <T>(r: Replica, path: string): Promise<T> => (await (await r.admin(path)).json()) as T;

  it('one decision for a breach every replica sees, applied by every replica', async () => {
    const compliance = await Promise.all(
      apis.map(async (r) => {
        const q = (await (await fetch(`${r.url}/api/quality`)).json()) as {
          compliance: { overall: { ratio: number | null; validated: number } };
        };
        return q.compliance.overall;
      }),
    );
    for (const c of compliance) expect(c.ratio).not.toBeNull();
    for (const c of compliance) expect(c.ratio!).toBeLessThan(0.9);
    for (const r of apis) expect((await json<FlagView>(r, '/admin/feature-flags')).flags.ENABLE_SCHEMA_VALIDATION).toBe(true);

    // Watch every replica: when its controller saw the breach, when it ran with the new phase.
    const started = performance.now();
    const since = () => Math.round(performance.now() - started);
    const sawBreach: Array<number | null> = apis.map(() => null);
    const applied: Array<number | null> = apis.map(() => null);
    let firstDecisionAt: number | null = null;
    const watch = async () => {
      await Promise.all(
        apis.map(async (r, i) => {
          const [rollout, flags] = await Promise.all([json<RolloutView>(r, '/admin/rollout'), json<FlagView>(r, '/admin/feature-flags')]);
          const status = rollout.triggers.find((t) => t.id === TRIGGER)?.status;
          if (sawBreach[i] === null && (status === 'pending' || status === 'fired' || status === 'latched')) sawBreach[i] = since();
          if (applied[i] === null && flags.phase === 2) applied[i] = since();
        }),
      );
      if (firstDecisionAt === null) {
        const { decisions } = await json<{ decisions: Decision[] }>(apis[0]!, '/admin/rollout/decisions');
        if (decisions.some((d) => d.kind === 'auto_rollback')) firstDecisionAt = since();
      }
      return firstDecisionAt !== null && applied.every((a) => a !== null);
    };
    await waitFor('a rollback decision applied on every replica', watch, 45_000, 50);
    // Let every controller evaluate many more times (each interval is CLOCK_RATE × longer in
    // service time than the trigger's evaluation step) before counting decisions.
    await new Promise((r) => setTimeout(r, 15 * INTERVAL_MS));

    const { decisions } = await json<{ decisions: Decision[] }>(apis[2]!, '/admin/rollout/decisions');
    const auto = decisions.filter((d) => d.kind === 'auto_rollback');
    const forTrigger = auto.filter((d) => d.triggers.includes(TRIGGER));
    const views = await Promise.all(apis.map((r) => json<FlagView>(r, '/admin/feature-flags')));
    const rollouts = await Promise.all(apis.map((r) => json<RolloutView>(r, '/admin/rollout')));
    reportMeasurements('cluster-rollout-controller', {
      replicas: apis.length,
      clockRate: CLOCK_RATE,
      evaluationIntervalMs: INTERVAL_MS,
      trigger: TRIGGER,
      complianceSeenByReplica: Object.fromEntries(apis.map((r, i) => [r.name, compliance[i]])),
      breachSeenMs: Object.fromEntries(apis.map((r, i) => [r.name, sawBreach[i]])),
      firstDecisionSeenMs: firstDecisionAt,
      phase2AppliedMs: Object.fromEntries(apis.map((r, i) => [r.name, applied[i]])),
      decisions: decisions.map((d) => ({ id: d.id, kind: d.kind, triggers: d.triggers, from: d.fromPhase, to: d.toPhase, actor: d.actor })),
      triggerStatusAfter: Object.fromEntries(apis.map((r, i) => [r.name, rollouts[i]!.triggers.find((t) => t.id === TRIGGER)?.status])),
    });

    // Every controller saw the breach, so each would have acted without the lease and latch.
    expect(sawBreach.every((t) => t !== null)).toBe(true);
    expect(forTrigger).toHaveLength(1);
    const decision = forTrigger[0]!;
    expect(decision).toMatchObject({ fromPhase: 4, toPhase: 2, actor: 'rollout-controller' });
    // No trigger was acted on twice (any other trigger that fired on the way counts once too).
    for (const id of new Set(auto.flatMap((d) => d.triggers))) expect(auto.filter((d) => d.triggers.includes(id))).toHaveLength(1);
    for (const [i, view] of views.entries()) {
      expect(view.phase).toBe(2);
      expect(view.flags).toMatchObject({ ENABLE_SCHEMA_VALIDATION: false, ENABLE_BROWSER_POOL: false, CACHE_PROVIDER: 'memory' });
      expect(rollouts[i]!.latches).toContainEqual(expect.objectContaining({ trigger: TRIGGER, decisionId: decision.id }));
    }
  }, 90_000);
});
