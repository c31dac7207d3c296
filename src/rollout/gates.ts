// Phase gates: what must hold (measured over a window, or attested by a person) before
// the rollout may move into a phase. The gate into phase N is checked while phase N-1 runs, so it
// holds phase N-1's success criteria plus the attestations phase N needs. Phase 4's own success
// criteria are reported as the 'complete' gate.
import type { FlagValues } from '../flags/index.js';
import type { MetricId, Measurements } from './measurements.js';
import type { Latch } from './state-store.js';

export type GateOp = '>' | '<' | '>=' | '<=';

export interface MeasuredCriterion {
  kind: 'measured';
  id: string;
  label: string;
  metric: MetricId;
  op: GateOp;
  threshold: number;
  unit: string;
  minSamples: number;
  /** The Redis-backed cache is held to the higher hit-rate bar. */
  thresholdFor?: (flags: FlagValues) => number;
}

export interface AttestationCriterion {
  kind: 'attestation';
  id: string;
  label: string;
}

export type Criterion = MeasuredCriterion | AttestationCriterion;

const p95: MeasuredCriterion = {
  kind: 'measured',
  id: 'p95_latency',
  label: 'P95 latency (worst route group)',
  metric: 'p95_ms',
  op: '<',
  threshold: 200,
  unit: 'ms',
  minSamples: 100,
};
const rss: MeasuredCriterion = {
  kind: 'measured',
  id: 'memory',
  label: 'resident memory (highest sample)',
  metric: 'rss_mb',
  op: '<',
  threshold: 120,
  unit: 'MB',
  minSamples: 3,
};
const errors: MeasuredCriterion = {
  kind: 'measured',
  id: 'error_rate',
  label: 'error rate (5xx share)',
  metric: 'error_rate',
  op: '<',
  threshold: 0.001,
  unit: 'ratio',
  minSamples: 1000,
};
const cacheHit = (threshold: number): MeasuredCriterion => ({
  kind: 'measured',
  id: 'cache_hit_rate',
  label: 'cache hit rate',
  metric: 'signal:cache_hit_ratio',
  op: '>',
  threshold,
  unit: 'ratio',
  minSamples: 0,
  thresholdFor: (f) => (f.CACHE_PROVIDER === 'redis' ? 0.85 : threshold),
});
const signalGate = (id: string, label: string, name: string, op: GateOp, threshold: number, unit = 'ratio'): MeasuredCriterion => ({
  kind: 'measured',
  id,
  label,
  metric: `signal:${name}`,
  op,
  threshold,
  unit,
  minSamples: 0,
});
const attest = (id: string, label: string): AttestationCriterion => ({ kind: 'attestation', id, label });

export const ATTESTATIONS = {
  runbook_validated: 'rollback runbook validated (scripts rehearsed against staging)',
  security_scan: 'security scan: zero high-severity vulnerabilities',
  csrf_all_forms: 'every state-changing form CSRF-protected',
  rate_limit_enforced: '100 req/min per IP enforced (load-tested)',
} as const;

export const GATES: Record<'1' | '2' | '3' | '4' | 'complete', Criterion[]> = {
  1: [p95, rss, errors, attest('runbook_validated', ATTESTATIONS.runbook_validated)],
  2: [p95, rss, cacheHit(0.7), errors, attest('security_scan', ATTESTATIONS.security_scan)],
  3: [
    signalGate('breaker_detection', 'circuit breakers detect a failure within', 'breaker_detection_seconds', '<', 5, 's'),
    attest('rate_limit_enforced', ATTESTATIONS.rate_limit_enforced),
    attest('csrf_all_forms', ATTESTATIONS.csrf_all_forms),
    attest('security_scan', ATTESTATIONS.security_scan),
    p95,
    errors,
  ],
  4: [
    signalGate('contract_compliance', 'contract compliance', 'contract_compliance_ratio', '>', 0.95),
    signalGate('anomaly_false_positives', 'anomaly false-positive rate', 'anomaly_false_positive_ratio', '<', 0.01),
    signalGate('provenance_coverage', 'fields with provenance', 'provenance_coverage_ratio', '>=', 1),
    signalGate('data_quality', 'data quality score (0–1)', 'data_quality_score', '>', 0.9),
    signalGate('page_load', 'browser page loads P95', 'browser_page_load_p95_seconds', '<', 30, 's'),
    errors,
    attest('runbook_validated', ATTESTATIONS.runbook_validated),
  ],
  complete: [p95, rss, cacheHit(0.85), errors],
};

export interface Attestation {
  criterion: string;
  actor: string;
  at: string;
  evidence: string;
}

export interface CriterionResult {
  id: string;
  label: string;
  kind: 'measured' | 'attestation';
  pass: boolean;
  /** Measured: the value (null = no data); attestation: null. */
  value: number | null;
  threshold: string | null;
  unit: string | null;
  windowMs: number | null;
  samples: number | null;
  attestation?: Attestation | null;
  note?: string;
}

export interface GateReport {
  from: number;
  to: number | 'complete';
  pass: boolean;
  evaluatedAt: string;
  windowMs: number;
  criteria: CriterionResult[];
  /** Latched triggers: each blocks every advance, forced or not, until re-armed. */
  latches: Latch[];
}

function holds(op: GateOp, v: number, t: number): boolean {
  if (op === '<') return v < t;
  if (op === '>') return v > t;
  if (op === '<=') return v <= t;
  return v >= t;
}

export function evaluateGate(opts: {
  from: number;
  to: number | 'complete';
  criteria: Criterion[];
  measurements: Measurements;
  flags: FlagValues;
  windowMs: number;
  attestations: Map<string, Attestation>;
  /** True when the attestations are the last ones read before the database stopped answering. */
  attestationsStale?: boolean;
  latches?: Latch[];
  now: number;
}): GateReport {
  const criteria = opts.criteria.map((c): CriterionResult => {
    if (c.kind === 'attestation') {
      const a = opts.attestations.get(c.id) ?? null;
      const note = a ? (opts.attestationsStale ? 'as last read; the database is not answering' : undefined) : 'not attested yet';
      return {
        id: c.id,
        label: c.label,
        kind: 'attestation',
        pass: a !== null,
        value: null,
        threshold: null,
        unit: null,
        windowMs: null,
        samples: null,
        attestation: a,
        note,
      };
    }
    const threshold = c.thresholdFor ? c.thresholdFor(opts.flags) : c.threshold;
    const windowMs = c.metric.startsWith('signal:') ? 0 : opts.windowMs;
    const r = opts.measurements.read(c.metric, windowMs, c.minSamples);
    const base = {
      id: c.id,
      label: c.label,
      kind: 'measured' as const,
      threshold: `${c.op} ${threshold}`,
      unit: c.unit,
      windowMs: r.windowMs,
      samples: r.samples,
    };
    // No data is never a pass: a gate must be shown to hold, not merely not shown to fail.
    if (r.value === null)
      return {
        ...base,
        pass: false,
        value: null,
        note: r.samples !== null && r.samples < c.minSamples ? `${r.samples} samples, need ${c.minSamples}` : 'no data',
      };
    return { ...base, pass: holds(c.op, r.value, threshold), value: Math.round(r.value * 10_000) / 10_000 };
  });
  const latches = opts.latches ?? [];
  return {
    from: opts.from,
    to: opts.to,
    pass: criteria.every((c) => c.pass) && latches.length === 0,
    evaluatedAt: new Date(opts.now).toISOString(),
    windowMs: opts.windowMs,
    criteria,
    latches,
  };
}
