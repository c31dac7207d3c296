// The observability capability's public module: the Prometheus registry and metrics, Signals
// (named live measurements), logging, and installObservability (error reporting, SLO tiles and
// watch, the console's alert feed). Other folders import this file only (npm run lint:deps counts
// any other import).
export type { Alert } from './alert-feed.js';
export { installObservability, type Observability } from './install.js';
export { loggerOptions } from './logging.js';
export { createMetrics, HTTP_BUCKETS, routeLabel, type Metrics } from './metrics.js';
export { SIGNALS, Signals } from './signals.js';
export type { SloTile } from './slo-tiles.js';
