// The member of the shared AppContext this folder owns (see src/common/app-context.ts).
import type { ServiceConfig } from './env.js';

declare module '../common/app-context.js' {
  interface AppContext {
    config: ServiceConfig;
  }
}
