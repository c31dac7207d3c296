// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { EvidenceStore } from './index.js';

declare module '../common/app-context.js' {
  interface AppContext {
    /** Source snapshots kept by SHA-256 (disk or S3): ingestion keeps, provenance checks read. */
    evidence: EvidenceStore;
  }
}
