// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { OpportunityCache } from './index.js';

declare module '../common/app-context.js' {
  interface AppContext {
    /** The opportunity read cache: stats for metrics, the console and the rollout controller. */
    cache: OpportunityCache;
  }
}
