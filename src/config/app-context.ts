// The member of the shared AppContext this folder owns (see src/shared/app-context.ts).
import type { ServiceConfig } from './env.js';

declare module '../shared/app-context.js' {
  interface AppContext {
    config: ServiceConfig;
  }
}
