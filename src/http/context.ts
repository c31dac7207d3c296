// The context type lives in src/shared/app-context.ts, completed by each capability's
// app-context.ts; http assembles it (service.ts). Re-exported for the composition code here.
export type { AppContext } from '../shared/app-context.js';
