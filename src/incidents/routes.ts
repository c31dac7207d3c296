// HTTP surface of incidents: the public status, the admin API (list with timelines, open, ack,
// resolve) and the console page with its acknowledge/resolve buttons.
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { ApiError } from '../common/errors.js';
import { consoleIncidentRoutes, type ConsoleAuth } from './console.js';
import { actorOf, idParam } from './request.js';
import { IncidentNotFound, type Incidents } from './service.js';

export interface IncidentRoutesOptions {
  incidents: Incidents;
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
  /** The console's session and CSRF guards; without them the console page is not served. */
  console?: ConsoleAuth | null;
  /** The console's page frame (title, body HTML) → document. */
  page?: (title: string, body: string) => string;
}

const CAUSE = /^[a-z0-9][a-z0-9:._-]{0,99}$/;

export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60) || 'incident';

const notFound = (err: unknown) => {
  if (err instanceof IncidentNotFound) throw new ApiError(404, 'not_found', err.message);
  throw err;
};

export async function incidentRoutes(app: FastifyInstance, opts: IncidentRoutesOptions): Promise<void> {
  const { incidents, admin } = opts;

  app.get(
    '/api/status',
    {
      schema: {
        tags: ['operations'],
        summary: 'Service status: ok, degraded or incident, with open (and lately resolved) incidents and their public updates',
      },
    },
    async (_req, reply) => {
      const s = await incidents.publicStatus();
      reply.header('Cache-Control', 'no-cache');
      return { status: s.status, incidents: s.incidents };
    },
  );

  app.get(
    '/admin/incidents',
    {
      preHandler: admin,
      schema: {
        tags: ['operations'],
        summary: 'Incidents with their timeline of steps, deliveries, acknowledgement and resolution (admin)',
      },
    },
    async (request) => {
      const q = request.query as Record<string, string | undefined>;
      const status = q.status ?? 'all';
      if (!['open', 'resolved', 'all'].includes(status))
        throw new ApiError(400, 'invalid_request', 'status must be open, resolved or all', [
          { field: 'status', message: 'unknown status' },
        ]);
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new ApiError(400, 'invalid_request', 'limit must be an integer 1–500', [{ field: 'limit', message: 'must be 1–500' }]);
      return { items: await incidents.list({ status: status === 'all' ? undefined : (status as 'open' | 'resolved'), limit }) };
    },
  );

  app.post(
    '/admin/incidents',
    {
      preHandler: admin,
      schema: {
        tags: ['operations'],
        summary: 'Open an incident by hand (a repeat of an open cause joins it) (admin)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['title'],
          properties: {
            title: { type: 'string', minLength: 3, maxLength: 300 },
            cause: { type: 'string', pattern: CAUSE.source },
            userFacing: { type: 'boolean' },
            detail: { type: 'string', maxLength: 2000 },
          },
        },
      },
    },
    async (request, reply) => {
      const b = request.body as { title: string; cause?: string; userFacing?: boolean; detail?: string };
      const title = b.title.trim();
      if (title.length < 3)
        throw new ApiError(400, 'invalid_request', 'title must have at least 3 characters besides spaces', [
          { field: 'title', message: 'too short' },
        ]);
      const res = await incidents.raise({
        cause: b.cause ?? `operator:${slug(title)}`,
        title,
        userFacing: b.userFacing ?? false,
        detail: b.detail?.trim() || null,
        actor: actorOf(request),
      });
      reply.status(res.joined ? 200 : 201);
      return res;
    },
  );

  app.post(
    '/admin/incidents/:id/ack',
    { preHandler: admin, schema: { tags: ['operations'], summary: 'Acknowledge an incident: escalation stops (admin)' } },
    async (request) => {
      const id = idParam(request);
      return incidents.acknowledge(id, actorOf(request)).catch(notFound);
    },
  );

  app.post(
    '/admin/incidents/:id/resolve',
    { preHandler: admin, schema: { tags: ['operations'], summary: 'Resolve an incident; every channel it reached is told (admin)' } },
    async (request) => {
      const id = idParam(request);
      const note = (request.body as { note?: unknown } | null)?.note;
      if (note !== undefined && (typeof note !== 'string' || note.length > 500))
        throw new ApiError(400, 'invalid_request', 'note must be a string of at most 500 characters', [
          { field: 'note', message: 'invalid' },
        ]);
      const incident = await incidents
        .resolveIncident(id, actorOf(request), note?.trim() ? `resolved by hand: ${note.trim()}` : undefined)
        .catch(notFound);
      return { incident };
    },
  );

  if (opts.console && opts.page) await app.register(consoleIncidentRoutes, { incidents, auth: opts.console, page: opts.page });
}
