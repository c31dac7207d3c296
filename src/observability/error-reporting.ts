// Sentry error reporting, on only when SENTRY_DSN is set: 5xx responses caused by an exception
// (tagged with the request id, route and method) and unhandled exceptions / rejections.
// Tracing and automatic instrumentation stay off: this is error reporting, and the SDK's
// OpenTelemetry set-up would add work to every request.
import { createRequire } from 'node:module';
import type * as SentrySdk from '@sentry/node';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SERVICE_VERSION } from './service-metrics.js';

export interface ErrorReporter {
  captureRequestError(err: unknown, request: FastifyRequest, statusCode: number): void;
  flush(timeoutMs?: number): Promise<boolean>;
}

let active: { dsn: string; reporter: ErrorReporter } | null = null;

// The SDK is loaded only when a DSN is configured: it weighs tens of megabytes of RSS.
const require = createRequire(import.meta.url);

/** Initialises the SDK once per DSN (several apps in one test process share it). */
export function initErrorReporting(dsn: string | null, environment: string): ErrorReporter | null {
  if (!dsn) return null;
  if (active?.dsn === dsn) return active.reporter;
  const Sentry = require('@sentry/node') as typeof SentrySdk;
  Sentry.init({
    dsn,
    environment,
    release: `dealerscope@${SERVICE_VERSION}`,
    skipOpenTelemetrySetup: true,
    defaultIntegrations: false,
    integrations: [
      Sentry.onUncaughtExceptionIntegration(),
      Sentry.onUnhandledRejectionIntegration({ mode: 'warn' }),
      Sentry.linkedErrorsIntegration(),
      Sentry.nodeContextIntegration(),
    ],
    sendDefaultPii: false,
  });
  const reporter: ErrorReporter = {
    captureRequestError(err, request, statusCode) {
      Sentry.withScope((scope) => {
        scope.setTag('request_id', String(request.id));
        scope.setTag('route', request.routeOptions.url ?? 'unmatched');
        scope.setTag('method', request.method);
        scope.setTag('status_code', String(statusCode));
        scope.setContext('request', { request_id: String(request.id), method: request.method, route: request.routeOptions.url ?? null });
        Sentry.captureException(err);
      });
    },
    flush: (timeoutMs = 2000) => Sentry.flush(timeoutMs),
  };
  active = { dsn, reporter };
  return reporter;
}

const ERROR = Symbol('dealerscope.error');
type WithError = FastifyRequest & { [ERROR]?: unknown };

/**
 * Fastify runs onError before the error handler chooses the status, so the error is kept on the
 * request and reported once the response is known to be a 5xx.
 */
export function reportServerErrors(app: FastifyInstance, reporter: ErrorReporter): void {
  app.addHook('onError', async (request, _reply, err) => {
    (request as WithError)[ERROR] = err;
  });
  app.addHook('onResponse', async (request, reply) => {
    const err = (request as WithError)[ERROR];
    if (err !== undefined && reply.statusCode >= 500) reporter.captureRequestError(err, request, reply.statusCode);
  });
}
