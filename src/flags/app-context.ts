// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { FlagControl } from './flag-control.js';
import type { FlagService } from './flag-service.js';

declare module '../common/app-context.js' {
  interface AppContext {
    flags: FlagService;
    /** Persisted, audited, propagated flag overrides and rollout phase (admin API, CLI, console). */
    flagControl: FlagControl;
  }
}
