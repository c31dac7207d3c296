// The context type lives in src/common/app-context.ts, completed by each capability's
// app-context.ts; http assembles it (service.ts). Re-exported for the composition code here.
export type { AppContext } from '../common/app-context.js';
