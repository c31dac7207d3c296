// The evidence capability's HTTP side as a Fastify plugin: the admin snapshot route and, in
// serving processes, the periodic garbage collection of snapshots past SNAPSHOT_RETENTION_DAYS
// (every SNAPSHOT_GC_INTERVAL_HOURS; several replicas collecting at once is harmless, each
// deletion is conditional), started on onReady and stopped on onClose. The store itself is built
// with the process's context (createEvidenceStore) because imports write to it outside HTTP too.
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../common/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { evidenceSettings } from './config.js';
import { evidenceRoutes } from './routes.js';
import type { EvidenceStore } from './store.js';

export interface EvidencePluginOptions {
  evidence: Pick<EvidenceStore, 'get' | 'gc' | 'close'>;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
  /** Run the garbage collection (serving processes). */
  background: boolean;
  /** Close the store with the app: the process serving owns it (tests close their own). */
  closeStore?: boolean;
}

export async function evidencePlugin(app: FastifyInstance, opts: EvidencePluginOptions): Promise<void> {
  await app.register(evidenceRoutes, { evidence: opts.evidence, admin: opts.admin });
  if (opts.closeStore) app.addHook('onClose', async () => opts.evidence.close());
  const every = evidenceSettings(opts.env).gcIntervalMs;
  if (!opts.background || every === 0) return;
  const gc = new PeriodicTask({
    clock: opts.clock,
    everyMs: every,
    firstAfterMs: Math.min(every, 60_000),
    run: async () => {
      const r = await opts.evidence.gc();
      if (r.deleted) app.log.info({ ...r }, 'evidence: expired snapshots collected');
    },
    onError: (err) => app.log.warn({ err }, 'evidence: garbage collection failed'),
  });
  app.addHook('onReady', async () => gc.start());
  app.addHook('onClose', async () => gc.stop());
}
