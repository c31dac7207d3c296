// The members of the shared AppContext this folder owns (see src/common/app-context.ts).
import type { Db } from './db.js';
import type { RedisHandle } from './redis.js';

declare module '../common/app-context.js' {
  interface AppContext {
    db: Db;
    /** Present when REDIS_URL is set. */
    redis: RedisHandle | null;
  }
}
