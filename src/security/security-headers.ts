// Security headers (CSP, HSTS, frame and referrer policy, …) from helmet. The header sets do not
// depend on the request, so helmet runs once at start-up; @fastify/helmet rebuilt helmet's
// middleware on every request, which cost about 7 % of a cache hit's CPU.
//
// Two sets. Pages (the dealer's, the console, their files) get helmet's document headers. The JSON
// API under /api/ gets the set OWASP's REST Security Cheat Sheet gives for API responses: a CSP
// that allows nothing (stricter than the pages' for a response opened in a tab), no framing,
// nosniff, HSTS, plus same-origin resource and referrer policies. The document-only headers
// (opener policy, origin-agent clustering, DNS prefetch, IE's download and XSS switches, Flash's
// cross-domain policies) do nothing for JSON, and on the busiest path every header costs: bare
// Fastify sending the API's former header block served about a quarter fewer cached pages a
// second than bare Fastify sending the body alone (docs/architecture.md).
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';

export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  // The console serves its scripts and styles as files from this origin; nothing inline runs.
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // One framing policy: nobody may frame these pages (frame-ancestors 'none', and DENY for
  // browsers that only know X-Frame-Options); helmet's default SAMEORIGIN contradicted it.
  xFrameOptions: { action: 'deny' },
  crossOriginEmbedderPolicy: false,
  // no-referrer makes browsers post same-origin forms with "Origin: null", which the CSRF
  // origin check must refuse; same-origin keeps the header for our own forms only.
  referrerPolicy: { policy: 'same-origin' },
};

/** The JSON API's set (see the top of this file); HSTS and the removed X-Powered-By as for pages. */
export const API_HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  referrerPolicy: { policy: 'same-origin' },
};

/** Paths answered with the API's header set: JSON only, never a page. */
const isApiPath = (url: string): boolean => url.startsWith('/api/');

/** The headers helmet's middleware sets (and the ones it removes, as `null`) for `options`. */
export function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string | null> {
  const headers: Record<string, string | null> = {};
  const collector = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      headers[name.toLowerCase()] = null;
    },
  };
  let failure: unknown;
  helmet({ ...options })({} as never, collector as never, (err?: unknown) => {
    failure = err;
  });
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- helmet's own error, rethrown as it came
  if (failure) throw failure;
  return headers;
}

const HSTS = 'strict-transport-security';

export interface HeaderSet {
  /** Sent on every response of the kind (HSTS aside). */
  set: Array<[string, string]>;
  removed: string[];
  hsts: string | null;
}

/** Helmet's headers for `options`, split into those set, those removed and HSTS (HTTPS only). */
export function headerSet(options: Readonly<HelmetOptions>): HeaderSet {
  const headers = helmetHeaders(options);
  return {
    set: Object.entries(headers).filter((e): e is [string, string] => e[1] !== null && e[0] !== HSTS),
    removed: Object.keys(headers).filter((k) => headers[k] === null),
    hsts: headers[HSTS] ?? null,
  };
}

export function installSecurityHeaders(
  app: FastifyInstance,
  options: Readonly<HelmetOptions> = HELMET_OPTIONS,
  apiOptions: Readonly<HelmetOptions> = API_HELMET_OPTIONS,
): void {
  const pages = headerSet(options);
  const api = headerSet(apiOptions);
  // The lane sends one static set: the API's. A URL outside /api/ goes the normal way.
  app.replayLane?.guard((raw) => isApiPath(raw.url ?? ''));
  app.replayLane?.headers(api.set, api.hsts === null ? [] : [[HSTS, api.hsts]]);
  app.addHook('onRequest', (request, reply, done) => {
    const { set, removed, hsts } = isApiPath(request.url) ? api : pages;
    for (const [name, value] of set) reply.header(name, value);
    for (const name of removed) reply.raw.removeHeader(name);
    // HSTS means something only over HTTPS (RFC 6797 §7.2): the socket's own TLS, or a proxy
    // named in TRUST_PROXY saying X-Forwarded-Proto: https (request.protocol believes only those).
    if (hsts !== null && request.protocol === 'https') reply.header(HSTS, hsts);
    done();
  });
}
