// The member of the shared AppContext this capability owns (see src/common/app-context.ts).
import type { CursorCodec } from './cursor.js';
import type { OpportunityReads } from './read-service.js';

declare module '../common/app-context.js' {
  interface AppContext {
    cursors: CursorCodec;
    /** Opportunity reads as the routes see them (possibly wrapped by the cache). */
    reads: OpportunityReads;
  }
}
