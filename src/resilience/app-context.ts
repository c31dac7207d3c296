// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { BreakerRegistry } from './breakers.js';

declare module '../common/app-context.js' {
  interface AppContext {
    /** Circuit breakers by dependency: `database`, `redis`, `source:<name>`, `webhook:<channel>`. */
    breakers: BreakerRegistry;
  }
}
