// The member of the shared AppContext this capability owns (see src/shared/app-context.ts).
import type { BreakerRegistry } from './breakers.js';

declare module '../shared/app-context.js' {
  interface AppContext {
    /** Circuit breakers by dependency: `database`, `redis`, `source:<name>`, `webhook:<channel>`. */
    breakers: BreakerRegistry;
  }
}
