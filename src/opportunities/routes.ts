// GET /api/opportunities (legacy page and cursor modes, DESIGN §5) and GET /api/opportunities/:id.
import { Type } from '@sinclair/typebox';
import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../http/context.js';
import { ApiError } from '../shared/errors.js';
import { CursorError, queryFingerprint } from './cursor.js';
import { ErrorSchema, ListQueryDoc, ListResponseSchema } from './api-schema.js';
import { parseListQuery } from './list-query.js';

// Sent with 410 answers once the page API is switched off; clients plan their move by it.
export const LEGACY_SUNSET = 'Wed, 30 Jun 2027 00:00:00 GMT';

const skipValidation = () => () => true;

// Cached pages come back as the same array instances, so their JSON is written once per cache
// entry instead of once per request; the entry's lifetime (GC) bounds this memo.
// The ETag is derived from the memoised part's digest plus the small per-request remainder, so
// a hit hashes a few dozen bytes instead of the whole page.
const memo = new WeakMap<object, { json: string; digest: string }>();
const JSON_TYPE = 'application/json; charset=utf-8';
function encoded(value: object): { json: string; digest: string } {
  let m = memo.get(value);
  if (m === undefined) {
    const json = JSON.stringify(value);
    m = { json, digest: hash('sha1', json, 'base64') };
    memo.set(value, m);
  }
  return m;
}

/** Sends `head + <memoised JSON of value> + tail` with an ETag over exactly those bytes. */
function sendJson(reply: FastifyReply, value: object, head = '', tail = ''): FastifyReply {
  const { json, digest } = encoded(value);
  return reply.type(JSON_TYPE).header('ETag', `"${hash('sha1', `${head}\u0000${digest}\u0000${tail}`, 'base64url')}"`).send(head + json + tail);
}

export async function opportunityRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get('/api/opportunities', {
    schema: {
      tags: ['opportunities'],
      summary: 'Ranked opportunities, in legacy page mode or cursor mode',
      querystring: ListQueryDoc,
      response: {
        200: ListResponseSchema,
        400: ErrorSchema,
        410: ErrorSchema,
      },
    },
    // list-query.ts validates, so strict and lenient mode can switch at runtime.
    validatorCompiler: skipValidation,
  }, async (request, reply) => {
    const strict = ctx.flags.get('ENABLE_INPUT_VALIDATION');
    const parsed = parseListQuery(request.query as Record<string, unknown>, strict);
    if (!parsed.ok) {
      throw new ApiError(400, 'invalid_request', `Invalid query parameter(s): ${parsed.errors.map((e) => e.field).join(', ')}`, parsed.errors);
    }
    const q = parsed.query;
    const mode = q.mode ?? (ctx.flags.get('LEGACY_PAGE_API') ? 'page' : 'cursor');
    const req = { sort: q.sort, filters: q.filters, limit: q.limit };

    if (mode === 'page') {
      if (!ctx.flags.get('LEGACY_PAGE_API')) {
        throw new ApiError(410, 'legacy_page_api_removed', 'Page-number pagination has been retired; use cursor=', undefined, {
          Deprecation: 'true',
          Sunset: LEGACY_SUNSET,
          Link: '</openapi.json>; rel="deprecation"',
        });
      }
      const [data, total] = await Promise.all([ctx.reads.offsetPage(req, q.page), ctx.reads.total(q.filters)]);
      const hasMore = (q.page - 1) * q.limit + data.length < total;
      return sendJson(reply, data, '{"data":', `,"total":${total},"hasMore":${hasMore}}`);
    }

    if (!ctx.flags.get('ENABLE_CURSOR_PAGINATION')) {
      throw new ApiError(400, 'cursor_pagination_disabled', 'Cursor pagination is switched off; use page= instead');
    }
    const fingerprint = queryFingerprint(q.sort, q.filters);
    let after = null;
    if (q.cursor) {
      try {
        after = ctx.cursors.decode(q.cursor, fingerprint);
      } catch (err) {
        if (err instanceof CursorError) throw new ApiError(400, 'invalid_cursor', `Invalid cursor: ${err.message}`, [{ field: 'cursor', message: err.message }]);
        throw err;
      }
    }
    const page = await ctx.reads.keysetPage(req, after);
    const next = page.hasMore && page.last ? `,"nextCursor":${JSON.stringify(ctx.cursors.encode(fingerprint, page.last))}` : '';
    return sendJson(reply, page.items, '{"items":', `${next},"hasMore":${page.hasMore}}`);
  });

  app.get('/api/opportunities/:id', {
    schema: {
      tags: ['opportunities'],
      summary: 'One opportunity',
      params: Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) }),
      response: { 200: Type.Ref('Opportunity'), 400: ErrorSchema, 404: ErrorSchema },
    },
    validatorCompiler: skipValidation,
  }, async (request, reply) => {
    const raw = (request.params as { id: string }).id;
    if (!/^[1-9][0-9]{0,14}$/.test(raw)) {
      if (ctx.flags.get('ENABLE_INPUT_VALIDATION')) {
        throw new ApiError(400, 'invalid_request', 'Invalid path parameter: id', [{ field: 'id', message: 'must be a positive integer' }]);
      }
      throw new ApiError(404, 'not_found', `Opportunity ${raw.slice(0, 32)} not found`);
    }
    const item = await ctx.reads.detail(Number(raw));
    if (!item) throw new ApiError(404, 'not_found', `Opportunity ${raw} not found`);
    return sendJson(reply, item);
  });
}
