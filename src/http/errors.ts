// Maps every failure to the contract's error shape `{ error: { code, message, details? } }`, with
// the status the shared error classification (resilience/error-classification.ts) gives it.
import type { FastifyError, FastifyInstance } from 'fastify';
import { classifyError, isRejectedInput } from '../resilience/index.js';
import { ApiError } from '../common/errors.js';
import { isDatabaseUnavailable } from '../storage/index.js';
import { pathOf, type MethodIndex } from './method-not-allowed.js';

export function installErrorHandling(app: FastifyInstance, methods: MethodIndex): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply
        .status(err.statusCode)
        .send({ error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const details = fe.validation.map((v) => ({
        field:
          (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') ||
          String((v.params as Record<string, unknown>)?.missingProperty ?? fe.validationContext ?? 'request'),
        message: v.message ?? 'is invalid',
      }));
      return reply.status(400).send({
        error: {
          code: 'invalid_request',
          message: `Invalid ${fe.validationContext ?? 'request'}: ${details.map((d) => d.field).join(', ')}`,
          details,
        },
      });
    }
    if (isRejectedInput(err)) {
      // The database refused a value the request carried: the client's input, not an outage.
      const reason =
        String((err as Error).message ?? '')
          .split('\n')[0]
          ?.slice(0, 200) || 'value rejected';
      request.log.info({ err }, 'database rejected a request value');
      return reply.status(400).send({
        error: {
          code: 'invalid_input',
          message: `A value in the request was rejected: ${reason}`,
          details: [{ field: 'request', message: reason }],
        },
      });
    }
    const kind = classifyError(err);
    if (kind === 'unavailable') {
      // With breakers off (or before one opens) an outage is still a retryable 503, not a bug.
      const database = isDatabaseUnavailable(err);
      request.log.warn({ err }, database ? 'database unavailable' : 'dependency unavailable');
      reply.header('Retry-After', '5');
      return reply.status(503).send({
        error: database
          ? { code: 'database_unavailable', message: 'The database is not answering; retry shortly' }
          : { code: 'dependency_unavailable', message: 'A dependency is not answering; retry shortly' },
      });
    }
    const status = kind === 'client' && typeof fe.statusCode === 'number' ? fe.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply
        .status(status)
        .send({ error: { code: 'internal_error', message: 'Internal error; quote the X-Request-Id when reporting it' } });
    }
    // Framework-level client errors (bad JSON, body too large, unsupported media type, …).
    const code = (fe.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase();
    return reply.status(status).send({ error: { code, message: fe.message } });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request);
    const allowed = methods.allowed(path);
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      return reply.status(405).send({
        error: {
          code: 'method_not_allowed',
          message: `${request.method} is not allowed on ${path.slice(0, 200)}; allowed: ${allowed.join(', ')}`,
        },
      });
    }
    return reply
      .status(404)
      .send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}` } });
  });
}
