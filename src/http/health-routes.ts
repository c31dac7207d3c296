// Liveness and readiness (README, Operations).
import type { FastifyInstance } from 'fastify';
import type { Readiness } from '../common/readiness.js';

const readiness = {
  type: 'object',
  required: ['status', 'components'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    components: {
      type: 'object',
      description: "Each component's check: status ok | degraded | down, with detail",
      additionalProperties: { type: 'object', properties: { status: { type: 'string' }, detail: {} }, additionalProperties: true },
    },
  },
} as const;

export interface HealthRoutesOptions {
  /** The components' checks /readyz reports. */
  readiness: Pick<Readiness, 'report'>;
}

export async function healthRoutes(app: FastifyInstance, { readiness: components }: HealthRoutesOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness',
        response: {
          200: {
            description: 'The process is alive',
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', enum: ['ok'] } },
          },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness with per-component status',
        response: {
          200: { description: 'Ready for traffic', ...readiness },
          503: { description: 'Not ready (a required component is down, or draining)', ...readiness },
        },
      },
    },
    async (_req, reply) => {
      const report = await components.report();
      reply.status(report.ready ? 200 : 503);
      return { status: report.ready ? 'ready' : 'not_ready', components: report.components };
    },
  );
}
