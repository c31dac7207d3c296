// Requests Node's HTTP parser refuses before Fastify sees them (headers past maxHeaderSize, a
// malformed request line, a request that timed out) still get the contract's error envelope and
// an X-Request-Id, so a client and the logs can tell what happened.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

function answerFor(code: string | undefined): { status: number; code: string; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'request_headers_too_large', message: 'Request headers too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request_timeout', message: 'The request was not received in time' };
  return { status: 400, code: 'bad_request', message: 'The request could not be parsed as HTTP' };
}

export function clientErrorHandler(log: () => FastifyBaseLogger) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    // A reset connection has no one left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = answerFor(err.code);
    const id = randomUUID();
    log().info({ reqId: id, code: err.code, status: answer.status }, 'request refused by the HTTP parser');
    if (socket.writable) {
      const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
      socket.write(
        [
          `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}`,
          'Content-Type: application/json; charset=utf-8',
          `Content-Length: ${Buffer.byteLength(body)}`,
          `X-Request-Id: ${id}`,
          'X-Content-Type-Options: nosniff',
          'Cache-Control: no-store',
          'Connection: close',
          '',
          body,
        ].join('\r\n'),
      );
    }
    socket.destroy(err);
  };
}
