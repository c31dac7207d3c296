// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { QualityService } from './service.js';

declare module '../common/app-context.js' {
  interface AppContext {
    /** Data contract, provenance, anomaly verdicts and the quality monitor (signals, metrics). */
    quality: QualityService;
  }
}
