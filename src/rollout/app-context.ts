// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { RolloutController } from './controller.js';

declare module '../common/app-context.js' {
  interface AppContext {
    /** Phases, gates, SLO triggers and automatic rollback; emits 'breach' | 'decision' | 'alert'. */
    rollout: RolloutController;
  }
}
