// Transport-level request checks for every route (ENABLE_INPUT_VALIDATION, read per request).
// Strict: URL, header and query sizes within bounds, no control characters in query keys or
// values, no body on GET/HEAD/DELETE, a well-formed Content-Type on bodies; 400 (or 414/431)
// naming every offending field. Lenient (v4): only the hard safety caps apply. Each route still
// validates its own parameters (list-query.ts for the opportunities API); Fastify itself answers
// unsupported media types with 415, oversized bodies with 413 and malformed JSON with 400.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors.js';
import type { FlagService } from '../flags/index.js';

interface Limits {
  urlBytes: number;
  headerBytes: number;
  headerValueBytes: number;
  headerCount: number;
}

const STRICT: Limits = { urlBytes: 8192, headerBytes: 16 * 1024, headerValueBytes: 8 * 1024, headerCount: 64 };
const LENIENT: Limits = { urlBytes: 16 * 1024, headerBytes: 32 * 1024, headerValueBytes: 16 * 1024, headerCount: 128 };

/**
 * Node's HTTP parser cap (request line + headers): above both modes' limits, so each mode's own
 * limit answers with its 431 naming the problem; past the cap the parser refuses the request and
 * http/client-errors.ts answers it.
 */
export const MAX_HEADER_BYTES = LENIENT.urlBytes + LENIENT.headerBytes + 4 * 1024;

const CONTROL = /[\u0000-\u001f\u007f]/;
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"]*"|[a-z0-9!#$&^_.+-]+))*\s*$/i;
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

export interface FieldProblem {
  field: string;
  message: string;
}

function headerProblems(raw: string[], limits: Limits): { status: number; problems: FieldProblem[] } | null {
  let total = 0;
  const problems: FieldProblem[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    total += name.length + value.length + 4;
    if (value.length > limits.headerValueBytes)
      problems.push({ field: `header:${name.toLowerCase().slice(0, 64)}`, message: `is longer than ${limits.headerValueBytes} bytes` });
  }
  if (raw.length / 2 > limits.headerCount) problems.push({ field: 'headers', message: `more than ${limits.headerCount} headers` });
  if (total > limits.headerBytes) problems.push({ field: 'headers', message: `headers exceed ${limits.headerBytes} bytes` });
  return problems.length ? { status: 431, problems } : null;
}

function queryProblems(request: FastifyRequest): FieldProblem[] {
  const q = request.query;
  if (!q || typeof q !== 'object') return [];
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(q as Record<string, unknown>)) {
    const field = key.slice(0, 64).replace(CONTROL, '?');
    if (CONTROL.test(key)) problems.push({ field, message: 'parameter name contains control characters' });
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && CONTROL.test(v))) problems.push({ field, message: 'contains control characters' });
  }
  return problems;
}

function bodyProblems(request: FastifyRequest): FieldProblem[] {
  const length = request.headers['content-length'];
  const chunked = request.headers['transfer-encoding'] !== undefined;
  const hasBody = chunked || (length !== undefined && length !== '0');
  const problems: FieldProblem[] = [];
  if (BODYLESS.has(request.method) && hasBody) problems.push({ field: 'body', message: `${request.method} requests take no body` });
  const type = request.headers['content-type'];
  if (hasBody && type !== undefined && !MEDIA_TYPE.test(type))
    problems.push({ field: 'header:content-type', message: 'is not a valid media type' });
  return problems;
}

export function installRequestLimits(app: FastifyInstance, ctx: { flags: FlagService }): void {
  const check = (request: FastifyRequest): ApiError | null => {
    const strict = ctx.flags.get('ENABLE_INPUT_VALIDATION') === true;
    const limits = strict ? STRICT : LENIENT;
    if (request.url.length > limits.urlBytes) {
      return new ApiError(414, 'uri_too_long', `The URL is longer than ${limits.urlBytes} bytes`, [
        { field: 'url', message: `longer than ${limits.urlBytes} bytes` },
      ]);
    }
    const headers = headerProblems(request.raw.rawHeaders, limits);
    if (headers) {
      return new ApiError(
        431,
        'request_headers_too_large',
        `Request headers too large: ${headers.problems.map((p) => p.field).join(', ')}`,
        headers.problems,
      );
    }
    if (!strict) return null;
    const problems = [...queryProblems(request), ...bodyProblems(request)];
    if (problems.length) {
      return new ApiError(400, 'invalid_request', `Invalid request: ${problems.map((p) => p.field).join(', ')}`, problems);
    }
    return null;
  };
  // The replay lane takes only bodiless GETs of URLs that passed the query checks when first
  // answered (a flag change forgets them), so the URL and header bounds are what is left to check.
  app.replayLane?.guard((raw) => {
    const limits = ctx.flags.get('ENABLE_INPUT_VALIDATION') === true ? STRICT : LENIENT;
    return (raw.url as string).length <= limits.urlBytes && headerProblems(raw.rawHeaders, limits) === null;
  });
  // Callback-style: it runs on every request, and an async hook costs a promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    const refused = check(request);
    if (refused) done(refused);
    else done();
  });
}
