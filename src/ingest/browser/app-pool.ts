// The service's browser pool, bound to the runtime flags. Kept apart from the scheduler so a
// replica that scrapes nothing never loads the source adapters.
import fp from 'fastify-plugin';
import { BrowserPool } from './pool.js';
import type { Clock } from '../../common/clock.js';
import type { ServiceConfig } from '../../config/index.js';
import type { FlagService } from '../../flags/index.js';
import type { Metrics, Signals } from '../../observability/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    browserPool: BrowserPool;
  }
}

export interface BrowserPoolDeps {
  config: ServiceConfig;
  clock: Clock;
  flags: FlagService;
  metrics: Metrics;
  signals: Signals;
}

export function createBrowserPool(ctx: BrowserPoolDeps): BrowserPool {
  const pool = new BrowserPool({
    chromiumPath: ctx.config.chromiumPath,
    clock: ctx.clock,
    registry: ctx.metrics.registry,
    signals: ctx.signals,
    limits: () => ({ enabled: ctx.flags.get('ENABLE_BROWSER_POOL') === true, maxContexts: Number(ctx.flags.get('MAX_BROWSER_CONTEXTS')) }),
  });
  ctx.flags.on('change', () => pool.wake());
  return pool;
}

/**
 * Every replica's pool, whether or not it scrapes: its metrics (`dealerscope_browser_*`) and its
 * failure-ratio signal are part of the service's contract, and Chromium launches only when a job
 * needs it. Decorated for scheduled scraping; shut down with the app, after the scrapes (it is
 * registered before them).
 */
export const browserPoolPlugin = fp<{ deps: BrowserPoolDeps }>(
  async (app, { deps }) => {
    const pool = createBrowserPool(deps);
    app.decorate('browserPool', pool);
    app.addHook('onClose', async () => pool.shutdown());
  },
  { name: 'browser-pool' },
);
