// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { Workspace } from './workspace.js';

declare module '../common/app-context.js' {
  interface AppContext {
    /** The dealer workspace (profiles, personal numbers); buildApp creates it when absent. */
    workspace?: Workspace;
  }
}
