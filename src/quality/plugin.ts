// The quality capability as a Fastify plugin: it builds its own service (the monitor behind
// /api/quality with its signals and metrics, and the arbitrage parameters a verdict re-appraises
// with), registers its routes and, in a serving replica, runs the monitor from onReady to onClose.
// It decorates the root with `quality` (hence fastify-plugin) so tests can drive the monitor.
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import type { ArbitrageParams } from '../config/index.js';
import type { Signals } from '../observability/index.js';
import { qualityRoutes, type QualityRoutesOptions } from './routes.js';
import { createQualityService, type QualityService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    quality: QualityService;
  }
}

export interface QualityPluginOptions extends Omit<QualityRoutesOptions, 'quality'> {
  /** Where the monitor publishes the quality score for the rollout's gates and the console. */
  signals: Signals;
  registry: Registry;
  /** The arbitrage parameters; config/arbitrage.json by default. */
  params?: ArbitrageParams;
  /**
   * A serving replica runs the monitor from onReady to onClose; `onFirstPass` is called once its
   * first measurement is in (the last of the start-up work). Absent: tests refresh it by hand.
   */
  monitor?: { onFirstPass?: () => void };
}

export const qualityPlugin = fp<QualityPluginOptions>(
  async (app, opts) => {
    const quality = createQualityService(opts.db, opts.clock, opts.signals, opts.registry, opts.params);
    app.decorate('quality', quality);
    if (opts.monitor) {
      const { onFirstPass } = opts.monitor;
      app.addHook('onReady', async () => {
        void quality.monitor.start().then(() => onFirstPass?.());
      });
      app.addHook('onClose', async () => quality.monitor.stop());
    }
    const { db, clock, admin, reads, flags } = opts;
    await app.register(qualityRoutes, { db, clock, admin, reads, flags, quality });
  },
  { name: 'quality' },
);
