// Named live measurements that capabilities publish (cache hit ratio, breaker false positives,
// contract compliance, …) and the rollout controller, console and metrics read. A reader returns
// null when it has too little data to say anything.
export type SignalReader = () => number | null;

/** Names the rollout gates and triggers read (docs/metrics.md, "Rollout signals"). */
export const SIGNALS = {
  cacheHitRatio: 'cache_hit_ratio',
  breakerFalsePositiveRatio: 'breaker_false_positive_ratio',
  rateLimitLegitimateRefusalRatio: 'rate_limit_legitimate_refusal_ratio',
  contractComplianceRatio: 'contract_compliance_ratio',
  anomalyFalsePositiveRatio: 'anomaly_false_positive_ratio',
  provenanceCoverageRatio: 'provenance_coverage_ratio',
  dataQualityScore: 'data_quality_score',
  browserPoolFailureRatio: 'browser_pool_failure_ratio',
  browserPageLoadP95Seconds: 'browser_page_load_p95_seconds',
  breakerDetectionSeconds: 'breaker_detection_seconds',
} as const;

export class Signals {
  private readonly readers = new Map<string, SignalReader>();

  register(name: string, read: SignalReader): void {
    this.readers.set(name, read);
  }

  read(name: string): number | null {
    const r = this.readers.get(name);
    if (!r) return null;
    const v = r();
    return v === null || !Number.isFinite(v) ? null : v;
  }

  names(): string[] {
    return [...this.readers.keys()];
  }
}
