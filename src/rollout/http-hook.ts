// Feeds the rollout's request windows from every response, grouped by route template.
import type { FastifyInstance } from 'fastify';
import type { Measurements } from './measurements.js';
import { routeGroup } from './request-window.js';

export function recordRequests(app: FastifyInstance, measurements: Measurements): void {
  app.replayLane?.observe((_req, route, status, elapsedMs) => {
    const group = routeGroup(route);
    if (group !== null) measurements.recordRequest(group, elapsedMs, status);
  });
  // Callback-style: an async hook costs a promise and a microtask hop on every response.
  app.addHook('onResponse', (request, reply, done) => {
    const group = routeGroup(request.routeOptions.url);
    // A long-lived event stream's duration is its lifetime, not user latency.
    const type = group === null ? undefined : reply.getHeader('content-type');
    if (group !== null && !(typeof type === 'string' && type.startsWith('text/event-stream'))) {
      measurements.recordRequest(group, reply.elapsedTime, reply.statusCode);
    }
    done();
  });
}
