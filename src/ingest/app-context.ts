// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { BrowserPool } from './browser/pool.js';

declare module '../common/app-context.js' {
  interface AppContext {
    /** Headless Chromium for sources that need rendering; launches only when a job needs it. */
    browserPool: BrowserPool;
  }
}
