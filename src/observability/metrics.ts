// One Prometheus registry per app instance (tests run several in one process), with the HTTP
// histogram every SLO is derived from. Capabilities add their own metrics to `registry`.
import { createRequire } from 'node:module';
import client from 'prom-client';

const require = createRequire(import.meta.url);

export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status_code'>;
}

// 0.15, 0.2 and 0.25 s are the plan's P95 target, gate and rollback trigger.
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5];

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

// prom-client's default process metrics, but for its per-collection GC histogram
// (nodejs_gc_duration_seconds): Node hands each collection to JavaScript as a performance entry,
// and on a busy replica a young-generation collection comes every hundred or so requests. Side by
// side on the cached path it cost about 2 µs of a replayed request's 50. Heap use per space and
// event-loop lag stay; `node --trace-gc` shows pauses when they are in question. The modules are
// prom-client's own, one per metric, under the names it lists (an upgrade that moves them fails
// test/observability-metrics.test.ts rather than silently dropping metrics).
const DEFAULT_METRICS = client.collectDefaultMetrics.metricsList.filter((name) => name !== 'gc');
const defaultMetric = (name: string) =>
  require(`prom-client/lib/metrics/${name}.js`) as (
    registry: client.Registry,
    config: client.DefaultMetricsCollectorConfiguration<'text/plain; version=0.0.4; charset=utf-8'>,
  ) => void;

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new client.Registry();
  if (opts.defaultMetrics !== false) {
    for (const name of DEFAULT_METRICS) defaultMetric(name)(registry, { register: registry, eventLoopMonitoringPrecision: 10 });
    // These gauges carry a counter's `_total` suffix (promtool check metrics rejects them); the
    // same numbers are exported per type as nodejs_active_handles / _requests / _resources.
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }
  const httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  return { registry, httpDuration };
}

/** Route template, never the raw URL, so label values stay bounded. */
export function routeLabel(routeUrl: string | undefined): string {
  return routeUrl ?? 'unmatched';
}
