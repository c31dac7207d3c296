// The OpenAPI 3.1 document at /openapi.json, generated from the route schemas (@fastify/swagger)
// and completed here so a client generator can live on it: every route (HTML pages and forms
// too) with an operationId, the statuses each surface answers (401/403 on operator routes,
// 429/503 on /api/*, 405/414/431 everywhere, 304 on conditional GETs) as shared responses over the
// one `Error` schema, the security schemes, and the documented headers (X-Request-Id on every
// response, ETag on 2xx GETs, RateLimit-* on /api/*, Retry-After, Deprecation, Sunset).
// Registered before any route, so every route is seen.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { COMMON_BY_STATUS, HEADERS, RESPONSES, SECURITY_SCHEMES, TAGS } from './openapi-components.js';
import { fallbackOperationId, OPERATIONS } from './openapi-operations.js';
import { byCodeUnit } from '../common/compare.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

interface Surface {
  security: Array<Record<string, string[]>>;
  statuses: number[];
  rateLimited: boolean;
}

/** Who may call a path and the statuses that come with that, whatever the route. */
export function surfaceOf(method: string, path: string): Surface {
  const m = method.toUpperCase();
  const everywhere = [400, 405, 414, 431];
  const withBody = m === 'POST' || m === 'PUT' || m === 'PATCH' ? [413, 415] : [];
  const conditional = m === 'GET' ? [304] : [];
  if (path === '/api/quarantine') {
    return { security: [{ adminBearer: [] }], statuses: [...everywhere, ...conditional, 401, 403, 429, 503], rateLimited: true };
  }
  // The dealer's own workspace: a key or the sign-in, never anonymous.
  if (path === '/api/me' || path.startsWith('/api/me/')) {
    return {
      security: [{ dealerApiKey: [] }, { dealerSession: [] }],
      statuses: [...everywhere, ...withBody, ...conditional, 401, 429, 503, ...(m === 'GET' ? [] : [403])],
      rateLimited: true,
    };
  }
  if (path.startsWith('/api/')) {
    return {
      security: [{}, { dealerApiKey: [] }],
      statuses: [...everywhere, ...withBody, ...conditional, 401, 429, 503],
      rateLimited: true,
    };
  }
  if (path.startsWith('/admin/')) {
    return { security: [{ adminBearer: [] }], statuses: [...everywhere, ...withBody, ...conditional, 401, 403], rateLimited: false };
  }
  if (path.startsWith('/console') && path !== '/console/login' && !path.startsWith('/console/assets/')) {
    return {
      security: [{ consoleSession: [] }, { adminBearer: [] }],
      statuses: [...everywhere, ...withBody, ...conditional, 401, 403],
      rateLimited: false,
    };
  }
  return { security: [], statuses: [...everywhere, ...withBody, ...conditional, ...(path === '/readyz' ? [503] : [])], rateLimited: false };
}

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Names the headers of a response by reference, adding the ones its status and surface carry. */
function documentHeaders(response: Json, status: string, method: string, surface: Surface): void {
  const headers: Json = {};
  for (const name of Object.keys((response.headers as Json | undefined) ?? {}))
    headers[name] = name in HEADERS ? headerRef(name) : (response.headers as Json)[name];
  headers['X-Request-Id'] = headerRef('X-Request-Id');
  if (method === 'get' && status.startsWith('2')) headers.ETag = headerRef('ETag');
  if (surface.rateLimited) for (const n of ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']) headers[n] = headerRef(n);
  response.headers = headers;
}

/** A response whose only body is the shared error envelope. */
function isErrorBody(response: Json): boolean {
  const content = response.content as Record<string, { schema?: Json }> | undefined;
  if (!content) return false;
  const types = Object.keys(content);
  return (
    types.length === 1 && types[0] === 'application/json' && content['application/json']?.schema?.$ref === '#/components/schemas/Error'
  );
}

/** A form's refusal: a page for the person at the form, the error envelope for a malformed post. */
function isFormRefusal(response: Json): boolean {
  const content = response.content as Record<string, { schema?: Json }> | undefined;
  if (!content) return false;
  const types = Object.keys(content).sort();
  return types.join(',') === 'application/json,text/html' && content['application/json']?.schema?.$ref === '#/components/schemas/Error';
}

/** Completes the generated document: shared responses, headers, security, tags, servers. */
export function completeDocument(doc: Json): Json {
  const components = (doc.components ??= {}) as Json;
  components.securitySchemes = SECURITY_SCHEMES;
  components.headers = HEADERS;
  components.responses = RESPONSES;
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const surface = surfaceOf(method, path.replace(/\{([^}]+)\}/g, ':$1'));
      op.security = surface.security;
      const responses = (op.responses ?? {}) as Record<string, Json>;
      for (const [status, response] of Object.entries(responses)) {
        const name = COMMON_BY_STATUS[status];
        if (name && isErrorBody(response)) responses[status] = { $ref: `#/components/responses/${name}` };
        else if (status === '400' && isFormRefusal(response)) responses[status] = { $ref: '#/components/responses/FormRefused' };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (!('$ref' in response)) documentHeaders(response, status, method, surface);
      }
      for (const status of surface.statuses) {
        const name = COMMON_BY_STATUS[status];
        if (name && !responses[status]) responses[status] = { $ref: `#/components/responses/${name}` };
      }
      op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => byCodeUnit(a, b)));
    }
  }
  doc.tags = TAGS;
  return doc;
}

const SHARED_IDS = new Set(['Error', 'Opportunity']);
const DESCRIPTIONS: Record<string, string> = {
  200: 'Success',
  201: 'Created',
  400: 'The request is invalid; `details` names each offending field',
  404: 'No such resource',
  409: 'Conflicts with the current state',
  410: 'Retired',
};

/** Shared schemas by reference (not copied inline), and a description on every response. */
function describeResponses(responses: Json | undefined): Json | undefined {
  if (!responses) return responses;
  const out: Json = {};
  for (const [status, raw] of Object.entries(responses)) {
    const schema = raw as Json;
    const id = typeof schema.$id === 'string' && SHARED_IDS.has(schema.$id) ? schema.$id : null;
    const base: Json = id ? { $ref: `${id}#` } : { ...schema };
    if (base.description === undefined) base.description = DESCRIPTIONS[status] ?? `HTTP ${status}`;
    out[status] = base;
  }
  return out;
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'DealerScope API',
        version: '5.0.0',
        description:
          'Profitable vehicles at public and government auctions. Errors everywhere are `{ "error": { "code", "message", "details"? } }` (schema `Error`); every response carries X-Request-Id.',
        license: { name: 'Proprietary (UNLICENSED)', url: 'https://spdx.org/licenses/' },
      },
      servers: [
        {
          url: '{scheme}://{host}',
          description: 'A DealerScope server',
          variables: { scheme: { default: 'http', enum: ['http', 'https'] }, host: { default: 'localhost:8080' } },
        },
      ],
    },
    // Shared schemas keep their own names (`Error`, `Opportunity`) instead of def-0, def-1.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const method = ([] as string[]).concat(route.method)[0]?.toUpperCase() ?? 'GET';
      const doc = OPERATIONS[`${method} ${url}`];
      const own = (schema ?? {}) as Json;
      const merged: Json = { ...own, hide: false, operationId: doc?.operationId ?? fallbackOperationId(method, url) };
      if (doc) {
        for (const key of ['summary', 'description', 'tags', 'consumes', 'body', 'querystring'] as const) {
          if (doc[key] !== undefined && own[key] === undefined) merged[key] = doc[key];
        }
        if (doc.tags) merged.tags = doc.tags;
        merged.response = { ...(doc.responses ?? {}), ...((own.response as Json | undefined) ?? {}) };
      }
      merged.response = describeResponses((merged.response ?? undefined) as Json | undefined);
      return { schema: merged as never, url };
    },
    transformObject: (input) => completeDocument(('openapiObject' in input ? input.openapiObject : input.swaggerObject) as Json) as never,
  });
}
