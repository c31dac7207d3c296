// Security headers (CSP, HSTS, frame and referrer policy, …) from helmet. The header set does not
// depend on the request, so helmet runs once at start-up and every response gets the same
// headers; @fastify/helmet rebuilt helmet's middleware on every request, which cost about 7 % of
// a cache hit's CPU.
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

export function installSecurityHeaders(app: FastifyInstance, options: Readonly<HelmetOptions> = HELMET_OPTIONS): void {
  const headers = helmetHeaders(options);
  const set = Object.entries(headers).filter((e): e is [string, string] => e[1] !== null && e[0] !== HSTS);
  const removed = Object.keys(headers).filter((k) => headers[k] === null);
  const hsts = headers[HSTS] ?? null;
  app.replayLane?.headers(set, hsts === null ? [] : [[HSTS, hsts]]);
  app.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of set) reply.header(name, value);
    for (const name of removed) reply.raw.removeHeader(name);
    // HSTS means something only over HTTPS (RFC 6797 §7.2): the socket's own TLS, or a proxy
    // named in TRUST_PROXY saying X-Forwarded-Proto: https (request.protocol believes only those).
    if (hsts !== null && request.protocol === 'https') reply.header(HSTS, hsts);
    done();
  });
}
