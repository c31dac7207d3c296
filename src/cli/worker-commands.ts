// `dealerscope worker` (the browser-pool deployment: runs scrape jobs from the shared BullMQ
// queue) and `dealerscope sources list|run` (inspect the sources section, scrape now).
import { envInt } from '../common/env.js';
import type { Command } from 'commander';
import Fastify from 'fastify';
import { defaultArbitrageParams, loadConfig } from '../config/index.js';
import { createEvidenceStore } from '../evidence/index.js';
import { createContext } from '../http/service.js';
import type { AppContext } from '../http/context.js';
import { createBrowserPool, exitCodeFor, formatReport, loadScraping, type SourceRunReport } from '../ingest/index.js';
import { EXIT } from './data-commands.js';

const log = (m: string) => process.stderr.write(`${m}\n`);

/** What a scraping process adds to the shared services: its browser pool and the evidence store. */
function scrapingServices(ctx: AppContext) {
  return {
    pool: createBrowserPool(ctx),
    evidence: createEvidenceStore({ db: ctx.db, clock: ctx.clock, env: ctx.config.raw, registry: ctx.metrics.registry, log }),
  };
}

export function registerWorkerCommands(program: Command): void {
  program
    .command('worker')
    .description(
      'run scrape jobs (and their browser pool) from the shared queue; needs REDIS_URL, DATABASE_URL and the sources section (DEALERSCOPE_SOURCES_FILE)',
    )
    .option('--concurrency <n>', 'scrape jobs this process runs at once', '2')
    .option('--port <port>', 'port for /healthz, /readyz and /metrics (WORKER_PORT, default 9464)')
    .action(async (opts: { concurrency: string; port?: string }) => {
      const config = loadConfig();
      if (!config.redisUrl)
        throw new Error(
          'dealerscope worker needs REDIS_URL (the shared job queue); without Redis, `dealerscope serve` runs scrapes in-process',
        );
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 50) throw new Error('--concurrency must be an integer 1–50');
      const port = opts.port !== undefined ? Number(opts.port) : envInt(config.raw, 'WORKER_PORT', 9464, 0, 65535);
      const ctx = await createContext(config);
      const { pool, evidence } = scrapingServices(ctx);
      await ctx.flagControl.start();
      const { startIngestion } = await loadScraping();
      const ingestion = startIngestion({ ...ctx, evidence }, { schedule: false, work: true, pool, concurrency, log });
      if (!ingestion)
        throw new Error('no sources configured: set DEALERSCOPE_SOURCES_FILE (or DEALERSCOPE_SOURCES) to the sources section');
      const ops = Fastify({ logger: false });
      ops.get('/healthz', async () => ({ status: 'ok' }));
      ops.get('/readyz', async (_req, reply) => {
        const r = await ctx.readiness.report();
        return reply.code(r.ready ? 200 : 503).send(r);
      });
      ops.get('/metrics', async (_req, reply) =>
        reply.header('Content-Type', ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
      );
      await ops.listen({ port, host: config.host });
      log(
        `DealerScope worker: ${ingestion.sources.sources.map((s) => s.name).join(', ')} from the ${ingestion.queue.kind} queue; metrics on :${port}/metrics`,
      );
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log(`${signal}: finishing running jobs, closing the browser pool…`);
        ctx.readiness.markDraining();
        (async () => {
          await ingestion.close();
          await pool.shutdown();
          await evidence.close();
          await ctx.flagControl.stop();
          await ops.close();
          await ctx.redis?.close();
          await ctx.db.close();
        })().then(
          () => process.exit(EXIT.ok),
          (err) => {
            log(`shutdown failed: ${(err as Error).message}`);
            process.exit(EXIT.failed);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });

  const sources = program.command('sources').description('the configured auction sources (DEALERSCOPE_SOURCES_FILE)');
  sources
    .command('list')
    .description('print the configured sources with kind, URL, interval and whether their API key is set')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { apiKeyFor, loadSourcesConfig } = await loadScraping();
      const cfg = loadSourcesConfig();
      if (opts.json) {
        console.log(JSON.stringify(cfg.sources, null, 2));
        return;
      }
      if (cfg.sources.length === 0) console.log('no sources configured (set DEALERSCOPE_SOURCES_FILE)');
      for (const s of cfg.sources) {
        const key = s.apiKeyEnv ? `\tkey ${s.apiKeyEnv} ${apiKeyFor(s, (n) => process.env[n]) ? 'set' : 'NOT SET'}` : '';
        console.log(
          `${s.name}\t${s.kind}\tevery ${s.intervalSeconds}s\t${s.url}${s.enabled === false ? '\t(disabled)' : ''}${s.render ? '\t(rendered)' : ''}${key}`,
        );
      }
    });
  sources
    .command('run')
    .description(
      'scrape sources once through the pipeline and print a report per source (pages, lots found, accepted, ' +
        'skipped, rejected with reasons, quarantined, errors, parse coverage). Exit 0: every source read and every lot landed ' +
        '(or was skipped as not a candidate); 2: some lots rejected or quarantined; 1: a source could not be read',
    )
    .argument('[names...]', 'source names from the sources section (default: every enabled source)')
    .option('--json', 'print the reports as a JSON array on stdout')
    .action(async (names: string[], opts: { json?: boolean }) => {
      const config = loadConfig();
      const { loadSourcesConfig, SourceRunner } = await loadScraping();
      const cfg = loadSourcesConfig(config.raw);
      const configured = cfg.sources.map((s) => s.name);
      const unknown = names.filter((n) => !configured.includes(n));
      if (unknown.length) throw new Error(`no source named ${unknown.join(', ')}; configured: ${configured.join(', ') || 'none'}`);
      const chosen = names.length ? cfg.sources.filter((s) => names.includes(s.name)) : cfg.sources.filter((s) => s.enabled !== false);
      if (chosen.length === 0)
        throw new Error(
          cfg.sources.length
            ? 'every configured source is disabled; name one to run it anyway'
            : 'no sources configured: set DEALERSCOPE_SOURCES_FILE',
        );
      const ctx = await createContext(config);
      const { pool, evidence } = scrapingServices(ctx);
      const reports: SourceRunReport[] = [];
      // A run the event loop abandoned (nothing left to wait for, the report never written) still
      // ends with a report and exit 1 instead of Node's bare exit 13.
      const stalled = () => {
        const pending = chosen.filter((s) => !reports.some((r) => r.source === s.name)).map((s) => s.name);
        process.stderr.write(
          `dealerscope: sources run stopped with no report for ${pending.join(', ')}: the process had nothing left to wait for\n`,
        );
        process.exit(EXIT.failed);
      };
      process.once('beforeExit', stalled);
      const runner = new SourceRunner(
        { ...cfg, sources: chosen },
        {
          db: ctx.db,
          clock: ctx.clock,
          random: Math.random,
          params: defaultArbitrageParams,
          renderer: pool,
          breakerFor: (n) => ctx.breakers.get(n),
          flags: ctx.flags,
          readSecret: (n) => config.raw[n],
          snapshots: evidence,
          onProgress: (name, p) => log(`${name}: page ${p.pages}, ${p.found}${p.total === null ? '' : ` of ${p.total}`} lots read`),
        },
      );
      try {
        for (const s of chosen) {
          log(`scraping ${s.name} (${s.kind})${s.enabled === false ? ' — disabled in the sources file, run because named' : ''}…`);
          const report = await runner.run(s.name);
          reports.push(report);
          if (!opts.json) console.log(formatReport(report));
        }
        if (opts.json) console.log(JSON.stringify(reports, null, 2));
        process.exitCode = exitCodeFor(reports);
      } finally {
        process.removeListener('beforeExit', stalled);
        await runner.close();
        await pool.shutdown();
        await evidence.close();
        await ctx.redis?.close();
        await ctx.db.close();
      }
    });
}
