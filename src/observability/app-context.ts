// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { Metrics } from './metrics.js';
import type { Signals } from './signals.js';

declare module '../common/app-context.js' {
  interface AppContext {
    metrics: Metrics;
    /** Live measurements published by capabilities for gates, triggers and the console. */
    signals: Signals;
  }
}
