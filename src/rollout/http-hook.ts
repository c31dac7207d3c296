// Feeds the rollout's request windows from every response, grouped by route template.
import type { FastifyInstance } from 'fastify';
import type { Measurements } from './measurements.js';
import { routeGroup } from './request-window.js';

export function recordRequests(app: FastifyInstance, measurements: Measurements): void {
  app.addHook('onResponse', async (request, reply) => {
    const group = routeGroup(request.routeOptions.url);
    if (group === null) return;
    // A long-lived event stream's duration is its lifetime, not user latency.
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/event-stream')) return;
    measurements.recordRequest(group, reply.elapsedTime, reply.statusCode);
  });
}
