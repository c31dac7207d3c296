// Scheduled ingestion in a serving replica, from the app's onReady to its onClose, rendering with
// the replica's browser pool (browserPoolPlugin). The scraping stack (adapters, fetchers, the
// queue) is imported only when sources are configured: the embedded default has none and never
// loads it. Registered after the evidence store's and the pool's plugins so that, closing in
// reverse order, the scrapes stop before the store they keep pages in and the pool they render with.
import type { FastifyInstance } from 'fastify';
import { envBool } from '../../common/env.js';
import type { BrowserPool } from '../browser/pool.js';
import type { Ingestion, IngestionContext } from './ingestion.js';

export interface IngestionPluginOptions {
  ctx: IngestionContext;
  pool: BrowserPool;
  log: (msg: string) => void;
}

export function sourcesConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DEALERSCOPE_SOURCES_FILE?.trim() || env.DEALERSCOPE_SOURCES?.trim());
}

export async function ingestionPlugin(app: FastifyInstance, { ctx, pool, log }: IngestionPluginOptions): Promise<void> {
  let ingestion: Ingestion | null = null;
  app.addHook('onReady', async () => {
    if (!sourcesConfigured(ctx.config.raw)) return;
    // Without Redis there is no shared queue, so this process also runs the jobs it schedules.
    const work = !ctx.config.redisUrl || envBool(ctx.config.raw, 'INGEST_EMBEDDED_WORKER', false);
    const { startIngestion } = await import('./ingestion.js');
    ingestion = startIngestion(ctx, { schedule: true, work, pool, log });
  });
  app.addHook('onClose', async () => {
    await ingestion?.close();
  });
}
