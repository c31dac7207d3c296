// The service's browser pool, bound to the runtime flags. Kept apart from the scheduler so a
// replica that scrapes nothing never loads the source adapters.
import type { AppContext } from '../../common/app-context.js';
import { BrowserPool } from './pool.js';

export function createBrowserPool(ctx: Pick<AppContext, 'config' | 'clock' | 'flags' | 'metrics' | 'signals'>): BrowserPool {
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
