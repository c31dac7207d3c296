// The one registry of automatic-rollback triggers: the controller evaluates it, GET /admin/rollout
// shows it, and the Prometheus rules (deploy/prometheus/rules/dealerscope-triggers.rules.yml) and
// the runbook's trigger table are checked against it by test/rollout-trigger-registry.test.ts.
// A trigger breaches when any of its conditions does; it fires when it has breached at every
// evaluation for `forMs` (Prometheus `for:`).
// `clearAt` is the hysteresis bound: a pending breach only ends once the value is back past it.
// `rollsBack` names the phase whose flags it reverts: 'current', or the phase that introduced
// the capability (capped at the current phase, so a browser-pool failure at phase 4 returns to
// phase 3's smaller pool and at phase 3 turns the pool off).
import type { FlagValues } from '../flags/index.js';
import type { MetricId } from './measurements.js';
import { optionalEnvNumber } from '../common/env.js';

export type AlertChannel = 'alerts' | 'deployments' | 'performance';

export interface Condition {
  metric: MetricId;
  label: string;
  op: '>' | '<';
  threshold: number;
  clearAt: number;
  /** Measurement window; 0 = the latest sample. */
  windowMs: number;
  minSamples: number;
  /** Only evaluated while the capability it watches is switched on. */
  when?: (flags: FlagValues) => boolean;
  /** Not a breach until it has had data, with its capability on, for this long (a cold cache). */
  warmUpMs?: number;
}

export interface TriggerDef {
  id: string;
  description: string;
  forMs: number;
  /** Severity critical → #alerts; everything else (SLO, quality and security ratios) → #performance. */
  severity: 'critical' | 'warning';
  channel: Exclude<AlertChannel, 'deployments'>;
  /** The Prometheus alert that mirrors it. */
  alert: string;
  /** The runbook section (anchor in docs/runbook.md). */
  runbook: string;
  rollsBack: 'current' | 1 | 2 | 3 | 4;
  /** Only armed from this phase on (the plan's phase-4 triggers have nothing to revert below it). */
  activeFrom?: number;
  conditions: Condition[];
}

const MIN = 60_000;
const RATE_WINDOW = MIN;

const p95 = (threshold: number, clearAt: number): Condition => ({
  metric: 'p95_ms',
  label: 'P95 latency (ms, worst route group)',
  op: '>',
  threshold,
  clearAt,
  windowMs: RATE_WINDOW,
  minSamples: 50,
});
const errors = (threshold: number, clearAt: number, minSamples: number): Condition => ({
  metric: 'error_rate',
  label: 'error rate (5xx share)',
  op: '>',
  threshold,
  clearAt,
  windowMs: RATE_WINDOW,
  minSamples,
});
const rss = (threshold: number, clearAt: number): Condition => ({
  metric: 'rss_mb',
  label: 'resident memory (MB)',
  op: '>',
  threshold,
  clearAt,
  windowMs: 0,
  minSamples: 1,
});
const signal = (name: string, label: string, op: '>' | '<', threshold: number, clearAt: number, when?: Condition['when']): Condition => ({
  metric: `signal:${name}`,
  label,
  op,
  threshold,
  clearAt,
  windowMs: 0,
  minSamples: 0,
  when,
});

const critical = { severity: 'critical', channel: 'alerts' } as const;
const warning = { severity: 'warning', channel: 'performance' } as const;

export const TRIGGERS: TriggerDef[] = [
  {
    id: 'p95_latency',
    description: 'P95 > 250 ms for 5 min',
    forMs: 5 * MIN,
    ...warning,
    alert: 'DealerScopeP95LatencyHigh',
    runbook: 'p95-latency-above-250-ms-for-5-minutes',
    rollsBack: 'current',
    conditions: [p95(250, 225)],
  },
  {
    id: 'memory_high',
    description: 'RSS > 150 MB for 10 min',
    forMs: 10 * MIN,
    ...warning,
    alert: 'DealerScopeMemoryHigh',
    runbook: 'rss-above-150-mb-for-10-minutes',
    rollsBack: 'current',
    conditions: [rss(150, 140)],
  },
  {
    id: 'error_rate_high',
    description: 'error rate > 1 % for 3 min',
    forMs: 3 * MIN,
    ...warning,
    alert: 'DealerScopeErrorRateHigh',
    runbook: 'error-rate-above-1--for-3-minutes',
    rollsBack: 'current',
    conditions: [errors(0.01, 0.008, 100)],
  },
  {
    id: 'slo_violation',
    description: 'any SLO violated for more than 5 min (P95 < 200 ms, error rate < 0.1 %, cache hit rate > 70 %)',
    forMs: 5 * MIN,
    ...warning,
    alert: 'DealerScopeSloViolation',
    runbook: 'any-slo-violation-for-5-minutes',
    rollsBack: 'current',
    conditions: [
      p95(200, 190),
      // 0.1 % needs a thousand requests before one error stops looking like a breach.
      errors(0.001, 0.0008, 1000),
      { ...signal('cache_hit_ratio', 'cache hit rate', '<', 0.7, 0.72, (f) => f.ENABLE_PRODUCTION_CACHE), warmUpMs: 2 * MIN },
    ],
  },
  {
    id: 'error_rate_critical',
    description: 'error rate > 2 % for 3 min (phase 4)',
    forMs: 3 * MIN,
    ...critical,
    alert: 'DealerScopeErrorRateCritical',
    runbook: 'error-rate-above-2--for-3-minutes',
    rollsBack: 4,
    activeFrom: 4,
    conditions: [errors(0.02, 0.015, 100)],
  },
  {
    id: 'memory_critical',
    description: 'RSS > 200 MB for 10 min (phase 4)',
    forMs: 10 * MIN,
    ...critical,
    alert: 'DealerScopeMemoryCritical',
    runbook: 'rss-above-200-mb-for-10-minutes',
    rollsBack: 4,
    activeFrom: 4,
    conditions: [rss(200, 190)],
  },
  {
    id: 'breaker_false_positives',
    description: 'circuit-breaker false positives > 5 % for 5 min (phase 2)',
    forMs: 5 * MIN,
    ...warning,
    alert: 'DealerScopeBreakerFalsePositives',
    runbook: 'breaker-false-positives-above-5-',
    rollsBack: 2,
    conditions: [signal('breaker_false_positive_ratio', 'breaker false-positive ratio', '>', 0.05, 0.04, (f) => f.ENABLE_CIRCUIT_BREAKERS)],
  },
  {
    id: 'rate_limit_legitimate_refusals',
    description: 'rate limiting refuses clients under their limit (> 1 % for 5 min, phase 2)',
    forMs: 5 * MIN,
    ...warning,
    alert: 'DealerScopeRateLimitBlockingLegitimate',
    runbook: 'rate-limiting-blocking-legitimate-users',
    rollsBack: 2,
    conditions: [
      signal(
        'rate_limit_legitimate_refusal_ratio',
        'refusals of clients under their limit',
        '>',
        0.01,
        0.005,
        (f) => f.ENABLE_RATE_LIMITING || f.API_RATE_LIMITING,
      ),
    ],
  },
  {
    id: 'contract_compliance_low',
    description: 'contract compliance < 90 % for 5 min (phase 3)',
    forMs: 5 * MIN,
    ...warning,
    alert: 'DealerScopeContractComplianceLow',
    runbook: 'contract-compliance-below-90-',
    rollsBack: 3,
    conditions: [signal('contract_compliance_ratio', 'contract compliance', '<', 0.9, 0.92, (f) => f.ENABLE_SCHEMA_VALIDATION)],
  },
  {
    id: 'anomaly_false_positives',
    description: 'anomaly false positives > 5 % for 5 min (phase 3)',
    forMs: 5 * MIN,
    ...warning,
    alert: 'DealerScopeAnomalyFalsePositivesHigh',
    runbook: 'anomaly-false-positives-above-5-',
    rollsBack: 3,
    conditions: [
      signal('anomaly_false_positive_ratio', 'anomaly false-positive ratio', '>', 0.05, 0.04, (f) => f.ENABLE_ANOMALY_DETECTION),
    ],
  },
  {
    id: 'browser_pool_failures',
    description: 'browser pool failures > 10 % for 5 min (phases 3–4)',
    forMs: 5 * MIN,
    ...warning,
    alert: 'DealerScopeBrowserPoolFailures',
    runbook: 'browser-pool-failures-above-10-',
    rollsBack: 4,
    conditions: [signal('browser_pool_failure_ratio', 'browser pool failure ratio', '>', 0.1, 0.08, (f) => f.ENABLE_BROWSER_POOL)],
  },
];

export function triggerById(id: string): TriggerDef | undefined {
  return TRIGGERS.find((t) => t.id === id);
}

const envNumber = (env: NodeJS.ProcessEnv, name: string, integer: boolean) =>
  optionalEnvNumber(env, name, integer ? { integer: true, min: 1, unit: 'milliseconds' } : { above: 0 });

/**
 * The registry with this deployment's overrides: `ROLLOUT_TRIGGER_FOR_MS` (every trigger's `for:`,
 * for drills and staging), `ROLLOUT_TRIGGER_<ID>_FOR_MS`, and `ROLLOUT_TRIGGER_<ID>_THRESHOLD` for
 * a single-condition trigger (its clear bound moves by the same ratio). Anything else named
 * ROLLOUT_TRIGGER_* is refused, so a typo never leaves the plan's default silently in force.
 */
export function triggersFromEnv(env: NodeJS.ProcessEnv, base: TriggerDef[] = TRIGGERS): TriggerDef[] {
  const known = new Set(['ROLLOUT_TRIGGER_FOR_MS', 'ROLLOUT_TRIGGER_WINDOW_MS']);
  const allFor = envNumber(env, 'ROLLOUT_TRIGGER_FOR_MS', true);
  const window = envNumber(env, 'ROLLOUT_TRIGGER_WINDOW_MS', true);
  const out = base.map((t) => {
    const key = `ROLLOUT_TRIGGER_${t.id.toUpperCase()}`;
    known.add(`${key}_FOR_MS`);
    known.add(`${key}_THRESHOLD`);
    const forMs = envNumber(env, `${key}_FOR_MS`, true) ?? allFor ?? t.forMs;
    const threshold = envNumber(env, `${key}_THRESHOLD`, false);
    if (threshold !== undefined && t.conditions.length !== 1)
      throw new Error(
        `${key}_THRESHOLD: ${t.id} has ${t.conditions.length} conditions; only a single-condition trigger takes a threshold override`,
      );
    const conditions = t.conditions.map((c) => ({
      ...c,
      ...(threshold === undefined ? {} : { threshold, clearAt: (c.clearAt / c.threshold) * threshold }),
      ...(window !== undefined && c.windowMs > 0 ? { windowMs: window } : {}),
    }));
    return { ...t, forMs, conditions };
  });
  const unknown = Object.keys(env).filter((k) => k.startsWith('ROLLOUT_TRIGGER_') && !known.has(k));
  if (unknown.length)
    throw new Error(
      `Unknown trigger setting ${unknown.join(', ')}; known: ROLLOUT_TRIGGER_FOR_MS, ROLLOUT_TRIGGER_<ID>_FOR_MS, ROLLOUT_TRIGGER_<ID>_THRESHOLD with ID one of ${base.map((t) => t.id.toUpperCase()).join(', ')}`,
    );
  return out;
}
