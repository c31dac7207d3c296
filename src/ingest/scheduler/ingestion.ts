// Assembles scheduled ingestion for a process: the sources section, the runner (fetchers,
// adapters, the pipeline), the queue (BullMQ on Redis, else in-process) and the scheduler.
// `dealerscope serve` schedules (and, without Redis, also runs the jobs); `dealerscope worker`
// runs jobs from the shared queue.
import client from 'prom-client';
import { defaultArbitrageParams } from '../../config/index.js';
import type { Random } from '../../common/random.js';
import type { BrowserPool } from '../browser/pool.js';
import type { SnapshotSink } from '../evidence-sink.js';
import { loadSourcesConfig, type SourcesConfig } from '../sources/config.js';
import { BullScrapeQueue, InProcessQueue, type ScrapeJob, type ScrapeQueue } from './queue.js';
import { ScrapeScheduler } from './scheduler.js';
import { logLine, type SourceRunReport } from './run-report.js';
import { SourceRunner } from './source-runner.js';
import type { Clock } from '../../common/clock.js';
import type { ServiceConfig } from '../../config/index.js';
import type { FlagService } from '../../flags/index.js';
import type { Metrics, Signals } from '../../observability/index.js';
import type { BreakerRegistry } from '../../resilience/index.js';
import type { Db } from '../../storage/index.js';

export type IngestionContext = {
  config: ServiceConfig;
  db: Db;
  clock: Clock;
  flags: FlagService;
  metrics: Metrics;
  signals: Signals;
  breakers: BreakerRegistry;
} & { evidence?: SnapshotSink };

/** The pool every process has (Chromium starts only when a job needs it); limits read per job. */
export { createBrowserPool } from '../browser/app-pool.js';

export interface IngestionOptions {
  /** Enqueue each source once per interval. */
  schedule: boolean;
  /** Run queued jobs in this process. */
  work: boolean;
  pool: BrowserPool | null;
  sources?: SourcesConfig;
  random?: Random;
  /** BullMQ key prefix (tests use a unique one). */
  queuePrefix?: string;
  concurrency?: number;
  log?: (msg: string) => void;
}

export interface Ingestion {
  sources: SourcesConfig;
  runner: SourceRunner;
  queue: ScrapeQueue;
  scheduler: ScrapeScheduler | null;
  close(): Promise<void>;
}

function sourceMetrics(registry: client.Registry) {
  const existing = registry.getSingleMetric('dealerscope_source_runs_total') as client.Counter<'source' | 'outcome'> | undefined;
  const runs =
    existing ??
    new client.Counter({
      name: 'dealerscope_source_runs_total',
      help: 'Source scrapes by outcome (ok, partial: some lots rejected or quarantined, failed: the source could not be read)',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    });
  const rows =
    (registry.getSingleMetric('dealerscope_source_listings_total') as client.Counter<'source' | 'result'> | undefined) ??
    new client.Counter({
      name: 'dealerscope_source_listings_total',
      help: 'Lots read from sources by result (accepted, skipped, rejected, quarantined)',
      labelNames: ['source', 'result'] as const,
      registers: [registry],
    });
  return { runs, rows };
}

/** Null when no source is configured (the embedded default): nothing is scheduled or fetched. */
export function startIngestion(ctx: IngestionContext, opts: IngestionOptions): Ingestion | null {
  const sources = opts.sources ?? loadSourcesConfig(ctx.config.raw);
  if (sources.sources.length === 0) return null;
  const log = opts.log ?? (() => {});
  const m = sourceMetrics(ctx.metrics.registry);
  // Every job ends with its report in the log, whatever the outcome.
  const onRun = (report: SourceRunReport) => {
    m.runs.inc({ source: report.source, outcome: report.outcome });
    for (const result of ['accepted', 'skipped', 'rejected', 'quarantined'] as const)
      m.rows.inc({ source: report.source, result }, report[result]);
    log(logLine(report));
  };
  const runner = new SourceRunner(sources, {
    db: ctx.db,
    clock: ctx.clock,
    random: opts.random ?? Math.random,
    params: defaultArbitrageParams,
    renderer: opts.pool,
    breakerFor: (name) => ctx.breakers.get(name),
    flags: ctx.flags,
    onRun,
    readSecret: (name) => ctx.config.raw[name],
    snapshots: ctx.evidence ?? null,
  });
  const onError = (job: ScrapeJob, err: unknown) =>
    log(`source ${job.source}: job ${job.slot} failed: ${err instanceof Error ? err.message : String(err)}`);
  const queue: ScrapeQueue = ctx.config.redisUrl
    ? new BullScrapeQueue({
        redisUrl: ctx.config.redisUrl,
        prefix: opts.queuePrefix ?? ctx.config.raw.SCRAPE_QUEUE_PREFIX ?? 'dealerscope',
        concurrency: opts.concurrency,
        onError,
      })
    : new InProcessQueue(onError);
  if (opts.work) {
    queue.process(async (job) => {
      if (!runner.names().includes(job.source)) throw new Error(`source ${job.source} is not configured in this process`);
      const report = await runner.run(job.source);
      // The queue counts the job as failed; the report is already in the log.
      if (report.outcome === 'failed') throw new Error(report.errors.join('; ') || 'the run failed');
      return report;
    });
  }
  const scheduled = sources.sources.filter((s) => s.enabled !== false);
  const scheduler =
    opts.schedule && scheduled.length
      ? new ScrapeScheduler(
          scheduled.map((s) => ({ name: s.name, intervalMs: s.intervalSeconds * 1000 })),
          queue,
          ctx.clock,
          (source, err) => log(`source ${source}: could not enqueue: ${err instanceof Error ? err.message : String(err)}`),
        )
      : null;
  scheduler?.start();
  return {
    sources,
    runner,
    queue,
    scheduler,
    async close() {
      scheduler?.stop();
      await queue.close();
      await runner.close();
    },
  };
}
