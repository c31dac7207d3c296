// Validators and conditional GETs (RFC 9110 §8.8.3, §13.1.2): only a 2xx answer to GET or HEAD
// carries an ETag and can become a 304; an error (a 404 above all) never does, whatever the client
// sends back. Routes with large cached bodies set their own ETag from a memoised digest; other 2xx
// bodies are hashed here. If-None-Match is matched by `fresh` (lists, `*`, weak comparison).
import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fresh from 'fresh';

const VALIDATED_METHODS = new Set(['GET', 'HEAD']);
const isSuccess = (status: number) => status >= 200 && status < 300;

const etagOf = (payload: string | Buffer) => `"${hash('sha1', payload, 'base64')}"`;

function dropValidators(reply: FastifyReply): void {
  if (reply.hasHeader('etag')) reply.removeHeader('etag');
}

export function installConditionalRequests(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!isSuccess(reply.statusCode) || !VALIDATED_METHODS.has(request.method)) {
      dropValidators(reply);
      done(null, payload);
      return;
    }
    let etag = reply.getHeader('etag');
    if (etag === undefined) {
      // Streams (event streams, files) are not hashed: they carry no validator.
      if (!(typeof payload === 'string' || Buffer.isBuffer(payload))) {
        done(null, payload);
        return;
      }
      etag = etagOf(payload);
      reply.header('etag', etag);
    }
    if (fresh(request.headers, { etag: String(etag) })) {
      reply.code(304);
      done(null, '');
      return;
    }
    done(null, payload);
  });
}
