// Ties the cache's background work (version polling, pub/sub) to the server's lifetime.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../common/app-context.js';

export async function cachePlugin(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.addHook('onClose', async () => {
    ctx.cache.close();
  });
}
