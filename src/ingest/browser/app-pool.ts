// The service's browser pool, bound to the runtime flags. Kept apart from the scheduler so a
// replica that scrapes nothing never loads the source adapters.
import { BrowserPool } from './pool.js';
import type { Clock } from '../../common/clock.js';
import type { ServiceConfig } from '../../config/index.js';
import type { FlagService } from '../../flags/index.js';
import type { Metrics, Signals } from '../../observability/index.js';

export function createBrowserPool(ctx: {
  config: ServiceConfig;
  clock: Clock;
  flags: FlagService;
  metrics: Metrics;
  signals: Signals;
}): BrowserPool {
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
