// The evidence capability as a Fastify plugin: it builds the process's evidence store and owns it
// (closed with the app), registers the admin snapshot route and, in serving processes, runs the
// periodic garbage collection of snapshots past SNAPSHOT_RETENTION_DAYS (every
// SNAPSHOT_GC_INTERVAL_HOURS; several replicas collecting at once is harmless, each deletion is
// conditional) from onReady to onClose. It decorates the root with `evidence` (hence
// fastify-plugin): the admin import and scheduled scraping keep what they read in it.
import fp from 'fastify-plugin';
import type { preHandlerAsyncHookHandler } from 'fastify';
import type client from 'prom-client';
import type { Clock } from '../common/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import type { Db } from '../storage/index.js';
import { evidenceSettings } from './config.js';
import { createEvidenceStore } from './create-store.js';
import { evidenceRoutes } from './routes.js';
import type { EvidenceStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    evidence: EvidenceStore;
  }
}

export interface EvidencePluginOptions {
  db: Db;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  registry: client.Registry;
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
  /** Run the garbage collection (serving processes). */
  background: boolean;
}

export const evidencePlugin = fp<EvidencePluginOptions>(
  async (app, opts) => {
    const evidence = createEvidenceStore({
      db: opts.db,
      clock: opts.clock,
      env: opts.env,
      registry: opts.registry,
      log: (m) => app.log.warn(m),
    });
    app.decorate('evidence', evidence);
    app.addHook('onClose', async () => evidence.close());
    await app.register(evidenceRoutes, { evidence, admin: opts.admin });
    const every = evidenceSettings(opts.env).gcIntervalMs;
    if (!opts.background || every === 0) return;
    const gc = new PeriodicTask({
      clock: opts.clock,
      everyMs: every,
      firstAfterMs: Math.min(every, 60_000),
      run: async () => {
        const r = await evidence.gc();
        if (r.deleted) app.log.info({ ...r }, 'evidence: expired snapshots collected');
      },
      onError: (err) => app.log.warn({ err }, 'evidence: garbage collection failed'),
    });
    app.addHook('onReady', async () => gc.start());
    app.addHook('onClose', async () => gc.stop());
  },
  { name: 'evidence' },
);
