// The shared parts of the OpenAPI document: security schemes, documented headers and the common
// error responses, all referring to the one error schema by name (`Error`).

const error = { $ref: '#/components/schemas/Error' };
const json = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

export const SECURITY_SCHEMES = {
  adminBearer: { type: 'http', scheme: 'bearer', description: 'The operator token (ADMIN_TOKEN): 401 without it, 403 with a wrong one.' },
  dealerApiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'A dealer API key (dsk_…); requests carrying one count against its own quota instead of the per-IP limit.',
  },
  dealerSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'ds_dealer',
    description:
      "The dealer's sign-in cookie set by POST /login (httpOnly, SameSite=Strict), taken on /api/me* in place of X-API-Key. Changes riding on it need the Origin of this server and the session's CSRF token (X-CSRF-Token header).",
  },
  consoleSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'ds_session',
    description:
      "The SRE console session cookie set by POST /console/login (httpOnly, SameSite=Strict). State changes riding on it need the Origin of this server and the session's CSRF token (`_csrf` field or X-CSRF-Token header).",
  },
} as const;

export const HEADERS = {
  'X-Request-Id': {
    description: "Identifier of this request (the caller's own when sane, else generated); on every response.",
    schema: { type: 'string' },
  },
  ETag: {
    description: 'Strong validator of this representation (2xx GET answers only); send it back in If-None-Match for a 304.',
    schema: { type: 'string' },
  },
  'RateLimit-Limit': {
    description: 'Requests allowed per window for this client (IP or API key) on /api/*, when a limit applies.',
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': { description: 'Requests left in the current window.', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
  Deprecation: { description: 'Present (`true`) on answers of a retired API.', schema: { type: 'string' } },
  Sunset: { description: 'HTTP date after which the retired API is gone for good.', schema: { type: 'string' } },
  Link: { description: "Where the retired API's replacement is described.", schema: { type: 'string' } },
  Allow: { description: 'The methods this path serves.', schema: { type: 'string' } },
  'WWW-Authenticate': { description: 'The authentication scheme to use (Bearer).', schema: { type: 'string' } },
  Location: { description: 'Where the browser goes next.', schema: { type: 'string' } },
  'Set-Cookie': {
    description: 'The console session cookie (`ds_session`, httpOnly, SameSite=Strict; Secure over https).',
    schema: { type: 'string' },
  },
} as const;

const withHeaders = (response: Record<string, unknown>, names: string[]) => ({
  ...response,
  headers: Object.fromEntries(['X-Request-Id', ...names].map((n) => [n, ref(n)])),
});

export const RESPONSES = {
  NotModified: withHeaders({ description: 'Not modified: the If-None-Match validator still matches.' }, ['ETag']),
  BadRequest: withHeaders(json('The request is invalid; `details` names each offending field.'), []),
  FormRefused: withHeaders(
    {
      description:
        'Refused: to a person at the form, a page naming the field to correct; to a post the route cannot read at all, the error envelope. Nothing changed.',
      content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: error } },
    },
    [],
  ),
  Unauthorized: withHeaders(json('Credentials missing (or a dealer API key that is not active).'), ['WWW-Authenticate']),
  Forbidden: withHeaders(
    json("Credentials not accepted, or a state change without this server's Origin and the session's CSRF token."),
    [],
  ),
  NotFound: withHeaders(json('No such resource.'), []),
  MethodNotAllowed: withHeaders(json('The path exists but not with this method; Allow lists the methods it serves.'), ['Allow']),
  Conflict: withHeaders(json('Refused in the current state (e.g. the rollout gate fails); `details` carries the state.'), []),
  Gone: withHeaders(json('The page-number API has been retired (LEGACY_PAGE_API off); use cursor pagination.'), [
    'Deprecation',
    'Sunset',
    'Link',
  ]),
  PayloadTooLarge: withHeaders(json('The body is larger than this route accepts.'), []),
  UriTooLong: withHeaders(json('The URL is longer than the server accepts.'), []),
  UnsupportedMediaType: withHeaders(json("The body's Content-Type is not one this route reads."), []),
  TooManyRequests: withHeaders(json('Rate limit exceeded.'), ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
  HeadersTooLarge: withHeaders(json('Request headers too large.'), []),
  ServiceUnavailable: withHeaders(
    json('A dependency is unavailable (database, circuit open, rate limiter); retry after Retry-After seconds.'),
    ['Retry-After'],
  ),
} as const;

/** Status → common response, for statuses an operation returns but its route does not describe. */
export const COMMON_BY_STATUS: Record<string, keyof typeof RESPONSES> = {
  304: 'NotModified',
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'PayloadTooLarge',
  414: 'UriTooLong',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  431: 'HeadersTooLarge',
  503: 'ServiceUnavailable',
};

export const TAGS = [
  { name: 'opportunities', description: 'Ranked vehicle opportunities (cursor and legacy page modes).' },
  { name: 'quality', description: 'Data contract, provenance, quarantine, anomalies and the data-quality score.' },
  { name: 'admin', description: 'Operator API: feature flags, audit, imports (Bearer ADMIN_TOKEN).' },
  { name: 'rollout', description: 'The SLO-gated rollout: phases, gates, decisions, attestations (Bearer ADMIN_TOKEN).' },
  { name: 'operations', description: 'Liveness, readiness, metrics and this document.' },
  { name: 'console', description: 'The SRE console: HTML pages and urlencoded forms (session cookie + CSRF token).' },
  { name: 'dealer page', description: 'The dealer-facing HTML page.' },
  {
    name: 'workspace',
    description:
      "The dealer's workspace: profile, saved searches with alerts, watchlist (X-API-Key or dealer session); dealers are created by operators.",
  },
];
