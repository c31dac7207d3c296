// The rollout capability's public module (other folders import this file only; npm run lint:deps
// counts any other import): builds the rollout controller for one replica (http/service.ts) over
// the flags capability's control plane, and the rollout and canary routes.
import { randomUUID } from 'node:crypto';
import type { Environment } from '../config/index.js';
import { controlPlaneId, type FlagControl, type FlagService } from '../flags/index.js';
import type { Metrics, Signals } from '../observability/index.js';
import type { Clock } from '../common/clock.js';
import type { Db, RedisHandle } from '../storage/index.js';
import { RolloutController } from './controller.js';
import { hostname } from 'node:os';
import { FleetWindow } from './fleet-window.js';
import { databaseLease, redisLease } from './lease.js';
import { Measurements } from './measurements.js';
import { registerRolloutMetrics } from './metrics.js';
import { databasePlatformProbe, PlatformMonitor, processHostSampler, type HostSampler } from './platform.js';
import { RolloutState } from './rollout-state.js';
import { triggersFromEnv } from './triggers.js';
import { WebhookNotifier, webhookUrlsFromEnv, type WebhookBreakers } from './notifier.js';
import { envBool, optionalEnvNumber } from '../common/env.js';

export { RolloutController, type RolloutStatus } from './controller.js';
export type { CanaryReport } from './canary/analysis.js';
export type { CanaryRun } from './canary/progression.js';
export { canaryRoutes, installCanary, type Canary } from './canary/routes.js';
export type { CohortReport } from './canary/verdict.js';
export type { GateReport } from './gates.js';
export { installRollout } from './routes.js';
export type { Decision } from './state-store.js';

const RETAIN_MS = 60 * 60_000;

export interface RolloutDeps {
  env: Environment;
  rawEnv: NodeJS.ProcessEnv;
  db: Db;
  redis: RedisHandle | null;
  flags: FlagService;
  /** The replica's flag control plane (flags/createFlagControl), already loaded. */
  flagControl: FlagControl;
  clock: Clock;
  metrics: Metrics;
  signals: Signals;
  breakers?: WebhookBreakers | null;
  /** The database reads' breaker, for the platform rule (an outage's tail while it is still open). */
  databaseBreaker?: { state(): string; readonly stats: { openedAt: number | null } } | null;
}

export interface RolloutTuning {
  intervalMs?: number;
  /** The flag control plane's database poll (FLAG_POLL_MS). */
  pollMs?: number;
  gateWindowMs?: number;
  memory?: () => number;
  fetchImpl?: typeof fetch;
  log?: (msg: string) => void;
  /** The host the platform rule reads (load, own CPU, event-loop delay); null leaves the host out. */
  host?: HostSampler | null;
}

const positiveInt = (env: NodeJS.ProcessEnv, name: string) => optionalEnvNumber(env, name, { integer: true, min: 1, unit: 'milliseconds' });

export async function createRollout(deps: RolloutDeps, tuning: RolloutTuning = {}): Promise<RolloutController> {
  const id = await controlPlaneId(deps.db);
  const { flagControl } = deps;
  const holder = `${process.pid}:${randomUUID()}`;
  const lease = deps.redis
    ? redisLease(deps.redis.client, `dealerscope:rollout:lease:${id}:${deps.env}`, holder)
    : databaseLease(
        () => flagControl.backgroundDb(),
        `rollout:${deps.env}`,
        holder,
        () => deps.clock.now(),
      );
  // A restarted replica gets a new name; its old slots still count until they expire.
  const replica = deps.rawEnv.DEALERSCOPE_REPLICA?.trim() || `${hostname()}:${process.pid}`;
  const fleet = deps.redis
    ? new FleetWindow({ redis: deps.redis.client, prefix: `dealerscope:rollout:win:${id}:${deps.env}`, replica, retainMs: RETAIN_MS })
    : null;
  const log = tuning.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const state = new RolloutState({
    env: deps.env,
    db: () => flagControl.backgroundDb(),
    redis: deps.redis?.client ?? null,
    redisKey: `dealerscope:rollout:latches:${id}:${deps.env}`,
    now: () => deps.clock.now(),
    log,
  });
  const measurements = new Measurements({ clock: deps.clock, signals: deps.signals, memory: tuning.memory, retainMs: RETAIN_MS, fleet });
  const intervalMs = tuning.intervalMs ?? positiveInt(deps.rawEnv, 'ROLLOUT_INTERVAL_MS') ?? 15_000;
  // Every replica writes to the fleet's copy at each evaluation: silence for a few intervals is a gap.
  const staleMs = Math.max(2.5 * intervalMs, 5000);
  const platform = new PlatformMonitor({
    database: databasePlatformProbe(() => flagControl.backgroundDb()),
    databaseBreaker: deps.databaseBreaker ?? null,
    host: tuning.host === undefined ? processHostSampler() : tuning.host,
    fleet: (lookbackMs, now) => measurements.fleetEvents(lookbackMs, staleMs, now),
    retainMs: RETAIN_MS,
  });
  const rollout = new RolloutController({
    env: deps.env,
    control: flagControl,
    clock: deps.clock,
    state,
    log,
    platform,
    platformMaxDeferMs: positiveInt(deps.rawEnv, 'ROLLOUT_PLATFORM_MAX_DEFER_MS'),
    measurements,
    notifier: new WebhookNotifier({ urls: webhookUrlsFromEnv(deps.rawEnv), breakers: deps.breakers ?? null, fetchImpl: tuning.fetchImpl }),
    lease,
    triggers: triggersFromEnv(deps.rawEnv),
    intervalMs,
    gateWindowMs: tuning.gateWindowMs ?? positiveInt(deps.rawEnv, 'ROLLOUT_GATE_WINDOW_MS'),
    dryRun: envBool(deps.rawEnv, 'ROLLOUT_DRY_RUN', false, { loose: true }),
  });
  registerRolloutMetrics(deps.metrics.registry, flagControl, rollout);
  // The kill switch posts from the replica where it was flipped ('local'), once for the fleet,
  // with who flipped it and why: the audit row of that change is written before it is applied.
  flagControl.on('applied', (e: { via: string; before: { emergency: boolean }; after: { emergency: boolean } }) => {
    if (e.via !== 'local' || e.before.emergency === e.after.emergency) return;
    void (async () => {
      const [last] = await flagControl.audit(1, 'EMERGENCY_ROLLBACK').catch(() => []);
      const by = last ? ` (by ${last.actor}${last.reason ? `: ${last.reason}` : ', no reason given'})` : '';
      const text = e.after.emergency
        ? `DealerScope ${deps.env}: KILL SWITCH ON — EMERGENCY_ROLLBACK forces every v5 feature off${by}`
        : `DealerScope ${deps.env}: kill switch off — the phase's flags are back in force${by}`;
      await Promise.all(
        (['alerts', 'deployments'] as const).map((channel) =>
          rollout.announce({ channel, text, fields: { emergency: e.after.emergency, reason: last?.reason ?? null } }),
        ),
      );
    })().catch(() => {});
  });
  return rollout;
}
