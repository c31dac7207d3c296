// What every capability's routes and jobs receive. This module declares only time and
// readiness; configuration, storage and each capability add the members they own by augmenting
// `AppContext` in their own `app-context.ts`, the way Fastify plugins declare their decorators. So a capability can take the whole context without importing every
// other capability, and the folder graph stays acyclic. Built once per process by
// http/service.ts (or by a test).
import type { Clock } from './clock.js';
import type { Readiness } from './readiness.js';

// Members are added by declaration merging (see the capabilities' app-context.ts files).
export interface AppContext {
  clock: Clock;
  readiness: Readiness;
}
