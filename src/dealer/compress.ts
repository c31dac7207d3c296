// Dealer pages go out gzip-compressed to clients that accept it. On a phone's connection the list
// page's 44 KiB of HTML was the largest cost before first paint; compressed it is about 9 KiB.
import { constants, gzipSync } from 'node:zlib';
import { Negotiator } from '@fastify/accept-negotiator';
import type { FastifyReply, FastifyRequest } from 'fastify';

const encodings = new Negotiator({ supportedValues: ['gzip', 'identity'] });

/** An onSend hook: compresses an HTML string payload when the request accepts gzip. */
export async function gzipHtml(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const type = reply.getHeader('content-type');
  if (typeof payload !== 'string' || typeof type !== 'string' || !type.startsWith('text/html')) return payload;
  // A 304 (If-None-Match matched) or 204 carries no body: gzip of nothing would be twenty bytes the
  // client never reads, under a Content-Length that says otherwise.
  if (payload === '' || reply.statusCode === 304 || reply.statusCode === 204) return payload;
  const vary = reply.getHeader('vary');
  reply.header('Vary', typeof vary === 'string' && vary !== '' ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
  const accept = request.headers['accept-encoding'];
  if (typeof accept !== 'string' || encodings.negotiate(accept) !== 'gzip') return payload;
  reply.header('Content-Encoding', 'gzip');
  return gzipSync(payload, { level: constants.Z_BEST_SPEED });
}
