// Process bootstrap shared by `dealerscope serve`, the benchmark and end-to-end tests:
// open storage, migrate, seed sample data when empty, assemble the app, listen, drain on SIGTERM.
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { defaultArbitrageParams, type ServiceConfig } from '../config/index.js';
import { createFlagControl, FlagService } from '../flags/index.js';
import { optionalEnvNumber } from '../common/env.js';
import { createEvidenceStore } from '../evidence/index.js';
import { databaseIsEmpty, importSampleData } from '../ingest/index.js';
import { createMetrics, Signals } from '../observability/index.js';
import { BreakerRegistry, breakerSettings, databaseReadProbe, guardedReads } from '../resilience/index.js';
import { databaseReads } from '../opportunities/index.js';
import { createOpportunityCache } from '../cache/index.js';
import { systemClock, type Clock } from '../common/clock.js';
import { type Db, openDb, openRedis } from '../storage/index.js';
import { migrate } from '../schema/migrate.js';
import { createRollout, type RolloutTuning } from '../rollout/index.js';
import { buildApp } from './app.js';
import type { AppContext } from './context.js';
import { Readiness } from '../common/readiness.js';
import { releaseStartUpGarbage } from '../common/start-up-memory.js';
import { stopPretenuring } from './pretenuring.js';
import { keepTickShape } from './tick-shape.js';

export interface ContextOptions {
  clock?: Clock;
  db?: Db;
  /** Test seams of the rollout controller (intervals, memory reader, webhook fetch). */
  rollout?: RolloutTuning;
}

export async function createContext(config: ServiceConfig, opts: ContextOptions = {}): Promise<AppContext> {
  const db = opts.db ?? openDb(config.databaseUrl);
  await migrate(db);
  const readiness = new Readiness();
  readiness.register('database', async () => {
    const started = performance.now();
    await db.ping();
    return { status: 'ok', detail: { dialect: db.dialect, latencyMs: Math.round((performance.now() - started) * 10) / 10 } };
  });
  const redis = config.redisUrl ? await openRedis(config.redisUrl) : null;
  if (redis) {
    readiness.register('redis', async () => {
      try {
        await redis.client.ping();
        return { status: 'ok' };
      } catch (err) {
        // Every Redis user has a local fallback, so an outage degrades rather than fails readiness.
        return { status: 'degraded', detail: err instanceof Error ? err.message : String(err) };
      }
    });
  }
  const flags = new FlagService({ env: config.env, rawEnv: config.raw });
  const clock = opts.clock ?? systemClock;
  const metrics = createMetrics();
  const signals = new Signals();
  const breakers = new BreakerRegistry({ flags, clock, metrics, readiness, signals, settings: breakerSettings(config.raw) });
  const dbReads = guardedReads(databaseReads(db, clock), breakers.get('database', { probe: () => databaseReadProbe(db) }));
  // Resilience wraps the database reads; the cache sits in front so cached pages survive an open breaker.
  const cache = await createOpportunityCache({ db, redis, flags, clock, env: config.raw, metrics, readiness, signals });
  const reads = cache.wrap(dbReads);
  const flagControl = await createFlagControl({
    db,
    flags,
    env: config.env,
    redis,
    clock,
    pollMs: opts.rollout?.pollMs ?? optionalEnvNumber(config.raw, 'FLAG_POLL_MS', { integer: true, min: 1, unit: 'milliseconds' }),
  });
  const rollout = await createRollout(
    {
      env: config.env,
      rawEnv: config.raw,
      db,
      redis,
      flags,
      flagControl,
      clock,
      metrics,
      signals,
      breakers,
      databaseBreaker: breakers.get('database'),
    },
    opts.rollout,
  );
  return {
    config,
    db,
    redis,
    flags,
    clock,
    readiness,
    metrics,
    signals,
    breakers,
    reads,
    cache,
    flagControl,
    rollout,
  };
}

export interface RunningService {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  /** Stops accepting, finishes in-flight requests, closes storage. */
  close(): Promise<void>;
}

export interface StartOptions extends ContextOptions {
  sample?: boolean;
  /**
   * How long a draining service keeps reading idle keep-alive connections before closing them
   * (default 250 ms): a request a client wrote just before the signal is then served, not reset.
   */
  drainSettleMs?: number;
  logger?: boolean;
  log?: (msg: string) => void;
}

export async function startService(config: ServiceConfig, opts: StartOptions = {}): Promise<RunningService> {
  const log = opts.log ?? (() => {});
  // Before start-up's own full collection (releaseStartUpGarbage): see tick-shape.ts.
  keepTickShape();
  // Before the first request can teach V8 that requests live long: see pretenuring.ts.
  stopPretenuring();
  const ctx = await createContext(config, opts);
  if (opts.sample !== false && (await databaseIsEmpty(ctx.db))) {
    log('Empty database: importing the bundled SAMPLE auction feed and comps (synthetic data, labelled sample).');
    const evidence = createEvidenceStore({ db: ctx.db, clock: ctx.clock, env: config.raw, log });
    try {
      const res = await importSampleData(ctx.db, defaultArbitrageParams(), ctx.clock.now(), log, ctx.flags, evidence);
      log(`Sample data: ${res.listings} listings, ${res.comps} comps.`);
    } finally {
      await evidence.close();
    }
  }
  // The first quality pass is the last of the start-up work; its garbage and the rest go back then.
  const serve = { log, onStarted: () => releaseStartUpGarbage(ctx.clock) };
  const app = await buildApp(ctx, { logger: opts.logger, background: true, serve });
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  let closing: Promise<void> | null = null;
  return {
    app,
    ctx,
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        ctx.readiness.markDraining();
        // Node counts a connection idle until it has parsed a request's first bytes, so closing
        // idle sockets at once resets requests already written to them but not yet read.
        await delay(opts.drainSettleMs ?? 250);
        // Fastify closes only the sockets idle at this moment; one busy now would then sit idle
        // until keepAliveTimeout (72 s) and hold the drain open past the pod's grace period.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
        }
        await ctx.redis?.close();
        await ctx.db.close();
      })();
      return closing;
    },
  };
}
