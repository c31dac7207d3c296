// The evidence routes and, in serving processes, the periodic garbage collection of snapshots
// past SNAPSHOT_RETENTION_DAYS (every SNAPSHOT_GC_INTERVAL_HOURS; several replicas collecting at
// once is harmless, each deletion is conditional).
import { PeriodicTask } from '../common/periodic-task.js';
import type { FastifyInstance } from 'fastify';
import { evidenceRoutes, evidenceSettings } from '../evidence/index.js';
import { requireAdmin } from '../security/admin-auth.js';
import type { AppContext } from './context.js';

export async function installEvidence(app: FastifyInstance, ctx: Pick<AppContext, 'evidence' | 'config' | 'clock'>, opts: { background: boolean }): Promise<void> {
  await app.register(evidenceRoutes, { evidence: ctx.evidence, admin: requireAdmin(ctx.config.adminToken) });
  const every = evidenceSettings(ctx.config.raw).gcIntervalMs;
  if (!opts.background || every === 0) return;
  const gc = new PeriodicTask({
    clock: ctx.clock, everyMs: every, firstAfterMs: Math.min(every, 60_000),
    run: async () => {
      const r = await ctx.evidence.gc();
      if (r.deleted) app.log.info({ ...r }, 'evidence: expired snapshots collected');
    },
    onError: (err) => app.log.warn({ err }, 'evidence: garbage collection failed'),
  });
  app.addHook('onReady', async () => gc.start());
  app.addHook('onClose', async () => gc.stop());
}
