// Ties the cache's background work (version polling, pub/sub) to the server's lifetime.
import type { FastifyInstance } from 'fastify';
import type { OpportunityCache } from './index.js';

export async function cachePlugin(app: FastifyInstance, { cache }: { cache: Pick<OpportunityCache, 'close'> }): Promise<void> {
  app.addHook('onClose', async () => {
    cache.close();
  });
}
