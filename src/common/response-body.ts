// The bodies a cached route builds and sends, shared by the cache (which stores them) and the
// routes (which build them), so neither has to import the other for their shape, and the
// content coding they are sent in.
import { constants, gzipSync } from 'node:zlib';
import { Negotiator } from '@fastify/accept-negotiator';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A whole response body as the route built it: JSON bytes and their ETag. */
export interface BuiltBody {
  body: Buffer;
  etag: string;
}

/** What the route sends: the gzip bytes whenever cached, the identity bytes when at hand. */
export interface ServedBody {
  identity: Buffer | null;
  gzip: Buffer | null;
  etag: string;
  /** The response tier's key when this body is kept there (identity bytes join it on first use). */
  key?: string;
}

// Clients that accept gzip (browsers, fetch, curl --compressed) get the cached compressed bytes
// as they are; the rest get the identity bytes, inflated once per kept response (cache
// identityOf). Each coding has its own strong ETag.
const encodings = new Negotiator({ supportedValues: ['gzip', 'identity'] });
export const gzipEtag = (etag: string) => `${etag.slice(0, -1)}-gz"`;

// Clients send a handful of distinct Accept-Encoding values; negotiating each once saves a parse
// per request. Bounded, since the header is the client's to spell.
const acceptsGzip = new Map<string, boolean>();

/** The q the header gives gzip by name, or null when it names it not. */
function gzipWeight(accept: string): number | null {
  for (const part of accept.split(',')) {
    const [coding, ...params] = part.split(';').map((p) => p.trim());
    if (coding !== 'gzip') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined ? 1 : Number(q.slice(2));
  }
  return null;
}
export function wantsGzip(accept: string): boolean {
  let gzip = acceptsGzip.get(accept);
  if (gzip === undefined) {
    // Content codings are case-insensitive tokens (RFC 9110 §8.4.1): `GZIP` asks for gzip too,
    // and `x-gzip` is gzip (§8.4.1.3). A coding given q=0 is refused whatever `*` says (§12.5.3).
    const lower = accept.toLowerCase().replace(/\bx-gzip\b/g, 'gzip');
    gzip = gzipWeight(lower) !== 0 && encodings.negotiate(lower) === 'gzip';
    if (acceptsGzip.size >= 256) acceptsGzip.clear();
    acceptsGzip.set(accept, gzip);
  }
  return gzip;
}

/**
 * A JSON answer built for this request alone (not kept by any cache), gzipped for clients that
 * take it, as every cached answer is. Given the identity bytes' ETag (a BuiltBody's), each coding
 * gets its own from it; otherwise the conditional-request hook hashes the bytes sent.
 */
export function sendJsonNegotiated(
  request: FastifyRequest,
  reply: FastifyReply,
  value: unknown,
  opts: { built?: BuiltBody; vary?: string } = {},
): FastifyReply {
  const body = opts.built?.body ?? Buffer.from(JSON.stringify(value));
  reply.type('application/json; charset=utf-8').header('Vary', opts.vary ?? 'Accept-Encoding');
  const accept = request.headers['accept-encoding'];
  if (typeof accept === 'string' && wantsGzip(accept)) {
    if (opts.built) reply.header('ETag', gzipEtag(opts.built.etag));
    return reply.header('Content-Encoding', 'gzip').send(gzipSync(body, { level: constants.Z_BEST_SPEED }));
  }
  if (opts.built) reply.header('ETag', opts.built.etag);
  return reply.send(body);
}
