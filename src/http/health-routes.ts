// Liveness and readiness (DESIGN §5 operations).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';

export async function healthRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness with per-component status' } }, async (_req, reply) => {
    const report = await ctx.readiness.report();
    reply.status(report.ready ? 200 : 503);
    return { status: report.ready ? 'ready' : 'not_ready', components: report.components };
  });
}
