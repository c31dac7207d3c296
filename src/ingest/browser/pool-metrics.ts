// The browser pool's Prometheus series (`dealerscope_browser_contexts{state}`, docs/metrics.md) and the
// rolling windows behind the rollout signals `browser_pool_failure_ratio` and
// `browser_page_load_p95_seconds`.
import client from 'prom-client';

export interface PoolGaugeSource {
  active(): number;
  queued(): number;
  limit(): number;
  browsers(): number;
}

export class PoolMetrics {
  readonly jobs: client.Counter<'outcome'>;
  readonly retries: client.Counter;
  readonly crashes: client.Counter;
  readonly launches: client.Counter<'outcome'>;
  readonly recycles: client.Counter<'reason'>;
  readonly pageLoad: client.Histogram;
  private readonly outcomes: boolean[] = [];
  private readonly loads: number[] = [];

  constructor(
    registry: client.Registry | null,
    gauges: PoolGaugeSource,
    private readonly window = 200,
  ) {
    const registers = registry ? [registry] : [];
    new client.Gauge({
      name: 'dealerscope_browser_contexts',
      help: 'Browser pool contexts by state (active, queued jobs, limit) and live browsers',
      labelNames: ['state'] as const,
      registers,
      collect() {
        this.set({ state: 'active' }, gauges.active());
        this.set({ state: 'queued' }, gauges.queued());
        this.set({ state: 'limit' }, gauges.limit());
        this.set({ state: 'browsers' }, gauges.browsers());
      },
    });
    this.jobs = new client.Counter({
      name: 'dealerscope_browser_jobs_total',
      help: 'Browser pool jobs by outcome',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.retries = new client.Counter({
      name: 'dealerscope_browser_job_retries_total',
      help: 'Jobs retried after the browser crashed or disconnected',
      registers,
    });
    this.crashes = new client.Counter({
      name: 'dealerscope_browser_crashes_total',
      help: 'Browsers that crashed or disconnected unexpectedly',
      registers,
    });
    this.launches = new client.Counter({
      name: 'dealerscope_browser_launches_total',
      help: 'Chromium launches by outcome',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.recycles = new client.Counter({
      name: 'dealerscope_browser_recycles_total',
      help: 'Browsers retired by reason (pages, memory)',
      labelNames: ['reason'] as const,
      registers,
    });
    this.pageLoad = new client.Histogram({
      name: 'dealerscope_browser_page_load_seconds',
      help: 'Navigation time of rendered pages',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
      registers,
    });
  }

  recordOutcome(outcome: 'ok' | 'failed' | 'timeout'): void {
    this.jobs.inc({ outcome });
    this.outcomes.push(outcome === 'ok');
    if (this.outcomes.length > this.window) this.outcomes.shift();
  }

  recordLoad(seconds: number): void {
    this.pageLoad.observe(seconds);
    this.loads.push(seconds);
    if (this.loads.length > this.window) this.loads.shift();
  }

  /** Failed ÷ finished jobs over the recent window; null before any job finished. */
  failureRatio(): number | null {
    if (this.outcomes.length === 0) return null;
    return this.outcomes.filter((ok) => !ok).length / this.outcomes.length;
  }

  /** Nearest-rank p95 of recent page loads; null with fewer than 5 samples. */
  loadP95(): number | null {
    if (this.loads.length < 5) return null;
    const sorted = [...this.loads].sort((a, b) => a - b);
    return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
  }
}
