// Structured JSON logging through Fastify's pino: one line per event, each request's lines carry
// its `reqId` (the same value as the X-Request-Id header), secrets never reach the log.
import type { DestinationStream, LoggerOptions } from 'pino';

export function loggerOptions(level: string, stream?: DestinationStream): LoggerOptions & { stream?: DestinationStream } {
  return {
    level,
    base: { service: 'dealerscope' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'body.token', 'body._csrf'],
      censor: '[redacted]',
    },
    ...(stream ? { stream } : {}),
  };
}
