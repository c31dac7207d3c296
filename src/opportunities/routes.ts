// GET /api/opportunities (legacy page and cursor modes; README, API) and GET /api/opportunities/:id.
import { hash } from 'node:crypto';
import { constants, gzipSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gzipEtag, sendJsonNegotiated, wantsGzip, type BuiltBody, type ServedBody } from '../common/response-body.js';
import { cacheKeys } from './cache-keys.js';
import type { FlagService } from '../flags/index.js';
import type { PersonalFigures, ResponseCache } from './route-ports.js';
import { ApiError, checkQueryParams } from '../common/errors.js';
import { allRequired } from '../common/json-schema.js';
import { CursorCodec, CursorError, queryFingerprint } from './cursor.js';
import { ErrorSchema, ListQueryDoc, ListResponseSchema } from './api-schema.js';
import { parseListQuery, type ListQuery } from './list-query.js';
import type { KeysetPage, OpportunityReads } from './read-service.js';

// Sent with 410 answers once the page API is switched off; clients plan their move by it.
export const LEGACY_SUNSET = 'Wed, 30 Jun 2027 00:00:00 GMT';

const skipValidation = () => () => true;

// The same few hundred query strings come again and again; each one's parse (a pure function of
// the string and the validation mode) is remembered, frozen so no caller can change what the next
// request reads. Bounded: the spelling is the client's. Refusals are not kept (they are rare and
// build an error anyway).
const parsedQueries = new Map<string, ListQuery>();
const PARSES_KEPT = 1024;

function listQueryOf(url: string, raw: Record<string, unknown>, strict: boolean): ReturnType<typeof parseListQuery> {
  const at = url.indexOf('?');
  const memoKey = `${strict ? 's' : 'l'}${at === -1 ? '' : url.slice(at)}`;
  const kept = parsedQueries.get(memoKey);
  if (kept !== undefined) return { ok: true, query: kept };
  const parsed = parseListQuery(raw, strict);
  if (parsed.ok) {
    Object.freeze(parsed.query.filters);
    if (parsedQueries.size >= PARSES_KEPT) parsedQueries.clear();
    parsedQueries.set(memoKey, Object.freeze(parsed.query));
  }
  return parsed;
}

// Responses are cached whole (cache/read-cache.ts respond); one is rebuilt from a cached read
// value when its response was not kept. The value's JSON digest is remembered per value object
// (the read tier hands back the same instance; GC bounds this memo), so a rebuild hashes only the
// small head and tail. The JSON itself is not kept: holding each kept read's encoded body beside
// it cost 18 MB of RSS after the mixed load, and the rebuild was no faster for it.
const digests = new WeakMap<object, string>();
const JSON_TYPE = 'application/json; charset=utf-8';

const etagOf = (head: string, digest: string, tail: string) => `"${hash('sha1', `${head}\u0000${digest}\u0000${tail}`, 'base64url')}"`;

/** `head + <JSON of value> + tail` with an ETag over exactly those bytes. */
function encoded(value: object, head = '', tail = ''): BuiltBody {
  // One allocation for the whole body: short-lived buffers of page size fragment the heap.
  const body = Buffer.from(head + JSON.stringify(value) + tail);
  let digest = digests.get(value);
  if (digest === undefined) {
    digest = hash('sha1', body.subarray(Buffer.byteLength(head), body.length - Buffer.byteLength(tail)), 'base64');
    digests.set(value, digest);
  }
  return { body, etag: etagOf(head, digest, tail) };
}

// Every answer of these routes, shared or personal, names the headers that choose it: the same
// URL is answered with a dealer's own figures for a request with an API key or a session cookie,
// so no cache (a proxy's, or the dealer's own browser) may hand the anonymous answer to the
// dealer, or a dealer's answer to anyone else. The shared answers said only Accept-Encoding.
const ANSWER_VARY = 'Accept-Encoding, X-API-Key, Cookie';

function sendServed(
  deps: Pick<OpportunityRouteDeps, 'cache'>,
  request: FastifyRequest,
  reply: FastifyReply,
  served: ServedBody,
): FastifyReply {
  // Not kept (the production cache is off): compressed for this request, so gzip clients still get gzip.
  if (served.gzip === null)
    return sendJsonNegotiated(request, reply, null, {
      built: { body: deps.cache.identityOf(served), etag: served.etag },
      vary: ANSWER_VARY,
    });
  reply.type(JSON_TYPE).header('Vary', ANSWER_VARY);
  const accept = request.headers['accept-encoding'];
  if (typeof accept === 'string' && wantsGzip(accept)) {
    return reply.header('Content-Encoding', 'gzip').header('ETag', gzipEtag(served.etag)).send(served.gzip);
  }
  return reply.header('ETag', served.etag).send(deps.cache.identityOf(served));
}

/**
 * A personal answer that is not kept (a legacy page, a detail): its JSON, gzipped when the client
 * takes gzip, with the ETag of the bytes it gets, as every shared answer has.
 */
function sendPersonal(request: FastifyRequest, reply: FastifyReply, built: BuiltBody): FastifyReply {
  reply.header('Cache-Control', 'private, no-store');
  return sendJsonNegotiated(request, reply, null, { built, vary: ANSWER_VARY });
}

// A cached keyset page always belongs to one query (its cache key holds the sort and filters),
// so its next-cursor text is signed once per page object rather than on every hit.
const nextCursors = new WeakMap<KeysetPage, string>();

// A personal page's bytes (JSON and gzip), kept per kept personal list (a WeakMap on it): they go
// when that list is replaced (an import, a profile change, an auction ending) or evicted, so they
// are never stale, and they never enter the shared response cache. Encoding and compressing each
// answer was most of what a personal request cost once the list itself was kept.
const personalBodies = new WeakMap<object, LRUCache<string, ServedBody>>();

/** What the opportunity routes use, and nothing else of the context. */
export interface OpportunityRouteDeps {
  flags: Pick<FlagService, 'get'>;
  cache: ResponseCache;
  reads: OpportunityReads;
  /** The key cursors are signed with: CURSOR_SECRET, else one kept per database. */
  cursorSecret: () => Promise<string>;
  /** The dealer's workspace (dealers/), when present: a dealer's figures are computed per viewer. */
  workspace: PersonalFigures | undefined;
}

export async function opportunityRoutes(app: FastifyInstance, deps: OpportunityRouteDeps): Promise<void> {
  const cursors = new CursorCodec(await deps.cursorSecret());
  // A URL answered from the shared cache is left to the replay lane (common/replay-lane.ts), which
  // answers it again from the kept response while that stays kept and no flag has changed.
  const lane = app.replayLane;
  const remember = (request: FastifyRequest, route: string, kind: (version: number) => string): void => {
    lane?.remember(request.raw.url as string, { route, vary: ANSWER_VARY, ...deps.cache.replayer(kind) });
  };
  app.get(
    '/api/opportunities',
    {
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
    },
    async (request, reply) => {
      const strict = deps.flags.get('ENABLE_INPUT_VALIDATION');
      const parsed = listQueryOf(request.url, request.query as Record<string, unknown>, strict);
      if (!parsed.ok) {
        throw new ApiError(
          400,
          'invalid_request',
          `Invalid query parameter(s): ${parsed.errors.map((e) => e.field).join(', ')}`,
          parsed.errors,
        );
      }
      const q = parsed.query;
      const mode = q.mode ?? (deps.flags.get('LEGACY_PAGE_API') ? 'page' : 'cursor');
      const req = { sort: q.sort, filters: q.filters, limit: q.limit };
      const workspace = deps.workspace;
      const dealer = workspace ? await workspace.identify(request) : null;
      // A dealer's figures, and headroom order, are computed per viewer (dealers/reads.ts), not read off a column.
      const personal = workspace !== undefined && (dealer !== null || q.sort === 'headroom');
      if (personal) reply.header('Cache-Control', 'private, no-store').header('Vary', ANSWER_VARY);

      if (mode === 'page') {
        if (!deps.flags.get('LEGACY_PAGE_API')) {
          throw new ApiError(410, 'legacy_page_api_removed', 'Page-number pagination has been retired; use cursor=', undefined, {
            Deprecation: 'true',
            Sunset: LEGACY_SUNSET,
            Link: '</openapi.json>; rel="deprecation"',
          });
        }
        if (personal) {
          const { items, total } = await workspace.reads.offsetPage(dealer, req, q.page);
          const hasMore = (q.page - 1) * q.limit + items.length < total;
          return sendPersonal(request, reply, encoded(items, '{"data":', `,"total":${total},"hasMore":${hasMore}}`));
        }
        const kind = (v: number) => cacheKeys.offset(v, req, q.page);
        const served = await deps.cache.respond(kind, async () => {
          const [data, total] = await Promise.all([deps.reads.offsetPage(req, q.page), deps.reads.total(q.filters)]);
          const hasMore = (q.page - 1) * q.limit + data.length < total;
          return encoded(data, '{"data":', `,"total":${total},"hasMore":${hasMore}}`);
        });
        remember(request, '/api/opportunities', kind);
        return sendServed(deps, request, reply, served);
      }

      if (!deps.flags.get('ENABLE_CURSOR_PAGINATION')) {
        // Pointing at page= is only true while the legacy API is on; with both off, say so.
        throw new ApiError(
          400,
          'cursor_pagination_disabled',
          deps.flags.get('LEGACY_PAGE_API')
            ? 'Cursor pagination is switched off; use page= instead'
            : 'Both pagination modes are switched off (ENABLE_CURSOR_PAGINATION and LEGACY_PAGE_API); the list cannot be paged until an operator turns one on',
        );
      }
      let fingerprint: string | undefined;
      // A personal cursor holds that dealer's figures, so it is bound to the dealer too.
      const fingerprintOf = () => (fingerprint ??= `${queryFingerprint(q.sort, q.filters)}${personal ? `:d${dealer?.id ?? 0}` : ''}`);
      let after = null;
      if (q.cursor) {
        try {
          after = cursors.decode(q.cursor, fingerprintOf());
        } catch (err) {
          if (err instanceof CursorError)
            throw new ApiError(400, 'invalid_cursor', `Invalid cursor: ${err.message}`, [{ field: 'cursor', message: err.message }]);
          throw err;
        }
      }
      if (personal) {
        const page = await workspace.reads.keysetPage(dealer, req, after);
        let bodies = personalBodies.get(page.source);
        if (!bodies) personalBodies.set(page.source, (bodies = new LRUCache<string, ServedBody>({ max: 64 })));
        const slot = `${q.limit}|${q.cursor ?? ''}`;
        let served = bodies.get(slot);
        if (!served) {
          const next = page.hasMore && page.last ? `,"nextCursor":${JSON.stringify(cursors.encode(fingerprintOf(), page.last))}` : '';
          const built = encoded(page.items, '{"items":', `${next},"hasMore":${page.hasMore}}`);
          served = { identity: built.body, gzip: gzipSync(built.body, { level: constants.Z_BEST_SPEED }), etag: built.etag };
          bodies.set(slot, served);
        }
        return sendServed(deps, request, reply, served);
      }
      const kind = (v: number) => cacheKeys.keyset(v, req, after);
      const served = await deps.cache.respond(kind, async () => {
        const page = await deps.reads.keysetPage(req, after);
        let next = nextCursors.get(page);
        if (next === undefined) {
          next = page.hasMore && page.last ? `,"nextCursor":${JSON.stringify(cursors.encode(fingerprintOf(), page.last))}` : '';
          nextCursors.set(page, next);
        }
        return encoded(page.items, '{"items":', `${next},"hasMore":${page.hasMore}}`);
      });
      remember(request, '/api/opportunities', kind);
      return sendServed(deps, request, reply, served);
    },
  );

  app.get(
    '/api/opportunities/:id',
    {
      schema: {
        tags: ['opportunities'],
        summary: 'One opportunity',
        params: allRequired({ id: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } }),
        response: { 200: { $ref: 'Opportunity' }, 400: ErrorSchema, 404: ErrorSchema },
      },
      validatorCompiler: skipValidation,
    },
    async (request, reply) => {
      const raw = (request.params as { id: string }).id;
      if (deps.flags.get('ENABLE_INPUT_VALIDATION')) checkQueryParams(request.query as Record<string, unknown>, []);
      // "/api/opportunities/" names no opportunity at all: a path nothing serves, not a bad id.
      if (raw === '') throw new ApiError(404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`);
      if (!/^[1-9][0-9]{0,14}$/.test(raw)) {
        if (deps.flags.get('ENABLE_INPUT_VALIDATION')) {
          throw new ApiError(400, 'invalid_request', 'Invalid path parameter: id', [
            { field: 'id', message: 'must be a positive integer of at most 15 digits' },
          ]);
        }
        throw new ApiError(404, 'not_found', `Opportunity ${raw.slice(0, 32)} not found`);
      }
      const id = Number(raw);
      const dealer = deps.workspace ? await deps.workspace.identify(request) : null;
      if (deps.workspace && dealer) {
        const item = await deps.workspace.reads.detail(dealer, id);
        if (!item) throw new ApiError(404, 'not_found', `Opportunity ${raw} not found`);
        return sendPersonal(request, reply, encoded(item.opportunity));
      }
      const kind = (v: number) => cacheKeys.detail(v, id);
      const served = await deps.cache.respond(kind, async () => {
        const item = await deps.reads.detail(id);
        if (!item) throw new ApiError(404, 'not_found', `Opportunity ${raw} not found`);
        return encoded(item);
      });
      remember(request, '/api/opportunities/:id', kind);
      return sendServed(deps, request, reply, served);
    },
  );
}
