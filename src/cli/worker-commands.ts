// `dealerscope worker` (the browser-pool deployment: runs scrape jobs from the shared BullMQ
// queue) and `dealerscope sources list|run` (inspect the sources section, scrape one now).
import type { Command } from 'commander';
import Fastify from 'fastify';
import { defaultArbitrageParams } from '../config/arbitrage.js';
import { loadConfig } from '../config/env.js';
import { createContext } from '../http/service.js';
import { startIngestion } from '../ingest/scheduler/ingestion.js';
import { SourceRunner } from '../ingest/scheduler/source-runner.js';
import { loadSourcesConfig } from '../ingest/sources/config.js';
import { EXIT } from './data-commands.js';

const log = (m: string) => process.stderr.write(`${m}\n`);

export function registerWorkerCommands(program: Command): void {
  program.command('worker')
    .description('run scrape jobs (and their browser pool) from the shared queue; needs REDIS_URL, DATABASE_URL and the sources section (DEALERSCOPE_SOURCES_FILE)')
    .option('--concurrency <n>', 'scrape jobs this process runs at once', '2')
    .option('--port <port>', 'port for /healthz, /readyz and /metrics (WORKER_PORT, default 9464)')
    .action(async (opts: { concurrency: string; port?: string }) => {
      const config = loadConfig();
      if (!config.redisUrl) throw new Error('dealerscope worker needs REDIS_URL (the shared job queue); without Redis, `dealerscope serve` runs scrapes in-process');
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 50) throw new Error('--concurrency must be an integer 1–50');
      const port = Number(opts.port ?? config.raw.WORKER_PORT ?? 9464);
      const ctx = await createContext(config);
      await ctx.flagControl.start();
      const ingestion = startIngestion(ctx, { schedule: false, work: true, pool: ctx.browserPool, concurrency, log });
      if (!ingestion) throw new Error('no sources configured: set DEALERSCOPE_SOURCES_FILE (or DEALERSCOPE_SOURCES) to the sources section');
      const ops = Fastify({ logger: false });
      ops.get('/healthz', async () => ({ status: 'ok' }));
      ops.get('/readyz', async (_req, reply) => {
        const r = await ctx.readiness.report();
        return reply.code(r.ready ? 200 : 503).send(r);
      });
      ops.get('/metrics', async (_req, reply) => reply.header('Content-Type', ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()));
      await ops.listen({ port, host: config.host });
      log(`DealerScope worker: ${ingestion.sources.sources.map((s) => s.name).join(', ')} from the ${ingestion.queue.kind} queue; metrics on :${port}/metrics`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log(`${signal}: finishing running jobs, closing the browser pool…`);
        ctx.readiness.markDraining();
        (async () => {
          await ingestion.close();
          await ctx.browserPool.shutdown();
          await ctx.flagControl.stop();
          await ops.close();
          await ctx.redis?.close();
          await ctx.db.close();
        })().then(() => process.exit(EXIT.ok), (err) => { log(`shutdown failed: ${(err as Error).message}`); process.exit(EXIT.failed); });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });

  const sources = program.command('sources').description('the configured auction sources (DEALERSCOPE_SOURCES_FILE)');
  sources.command('list')
    .description('print the configured sources with kind, URL and interval')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const cfg = loadSourcesConfig();
      if (opts.json) { console.log(JSON.stringify(cfg.sources, null, 2)); return; }
      if (cfg.sources.length === 0) console.log('no sources configured (set DEALERSCOPE_SOURCES_FILE)');
      for (const s of cfg.sources) console.log(`${s.name}\t${s.kind}\tevery ${s.intervalSeconds}s\t${s.url}${s.render ? '\t(rendered)' : ''}`);
    });
  sources.command('run')
    .description('scrape one source now through the pipeline and print the run report; exit 2 when rows were rejected')
    .argument('<name>', 'source name from the sources section')
    .action(async (name: string) => {
      const config = loadConfig();
      const cfg = loadSourcesConfig(config.raw);
      if (!cfg.sources.some((s) => s.name === name)) throw new Error(`no source named ${name}; configured: ${cfg.sources.map((s) => s.name).join(', ') || 'none'}`);
      const ctx = await createContext(config);
      const runner = new SourceRunner({ ...cfg, sources: cfg.sources.filter((s) => s.name === name) }, {
        db: ctx.db, clock: ctx.clock, random: Math.random, params: defaultArbitrageParams,
        renderer: ctx.browserPool, breakerFor: (n) => ctx.breakers.get(n), flags: ctx.flags, snapshots: ctx.evidence,
      });
      log(`scraping ${name}…`);
      try {
        const report = await runner.run(name);
        console.log(JSON.stringify(report, null, 2));
        process.exitCode = report.rejected > 0 ? EXIT.partial : EXIT.ok;
      } finally {
        await runner.close();
        await ctx.browserPool.shutdown();
        await ctx.evidence.close();
        await ctx.redis?.close();
        await ctx.db.close();
      }
    });
}
