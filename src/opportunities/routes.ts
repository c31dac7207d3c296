// GET /api/opportunities (legacy page and cursor modes, DESIGN §5) and GET /api/opportunities/:id.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.js';
import { ApiError } from '../shared/errors.js';
import { CursorError, queryFingerprint } from './cursor.js';
import { CursorPageSchema, ErrorSchema, LegacyPageSchema, ListQueryDoc } from './api-schema.js';
import { parseListQuery } from './list-query.js';

// Sent with 410 answers once the page API is switched off; clients plan their move by it.
export const LEGACY_SUNSET = 'Wed, 30 Jun 2027 00:00:00 GMT';

const skipValidation = () => () => true;

export async function opportunityRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get('/api/opportunities', {
    schema: {
      tags: ['opportunities'],
      summary: 'Ranked opportunities, in legacy page mode or cursor mode',
      querystring: ListQueryDoc,
      response: {
        200: Type.Union([LegacyPageSchema, CursorPageSchema]),
        400: ErrorSchema,
        410: ErrorSchema,
      },
    },
    // list-query.ts validates, so strict and lenient mode can switch at runtime.
    validatorCompiler: skipValidation,
  }, async (request) => {
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
      return { data, total, hasMore: (q.page - 1) * q.limit + data.length < total };
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
    const body: { items: typeof page.items; hasMore: boolean; nextCursor?: string } = { items: page.items, hasMore: page.hasMore };
    if (page.hasMore && page.last) body.nextCursor = ctx.cursors.encode(fingerprint, page.last);
    return body;
  });

  app.get('/api/opportunities/:id', {
    schema: {
      tags: ['opportunities'],
      summary: 'One opportunity',
      params: Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) }),
      response: { 200: Type.Ref('Opportunity'), 400: ErrorSchema, 404: ErrorSchema },
    },
    validatorCompiler: skipValidation,
  }, async (request) => {
    const raw = (request.params as { id: string }).id;
    if (!/^[1-9][0-9]{0,14}$/.test(raw)) {
      if (ctx.flags.get('ENABLE_INPUT_VALIDATION')) {
        throw new ApiError(400, 'invalid_request', 'Invalid path parameter: id', [{ field: 'id', message: 'must be a positive integer' }]);
      }
      throw new ApiError(404, 'not_found', `Opportunity ${raw.slice(0, 32)} not found`);
    }
    const item = await ctx.reads.detail(Number(raw));
    if (!item) throw new ApiError(404, 'not_found', `Opportunity ${raw} not found`);
    return item;
  });
}
