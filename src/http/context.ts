// The services one process builds (http/service.ts createContext, or a test) and hands to the
// capabilities as it assembles the app. Only the composition root sees this whole object: each
// capability declares the few services it needs as its own narrow interface, and the root passes
// them, so no capability can reach for a service it did not declare.
import type { Clock } from '../common/clock.js';
import type { Readiness } from '../common/readiness.js';
import type { OpportunityCache } from '../cache/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { Workspace } from '../dealers/index.js';
import type { FlagControl, FlagService } from '../flags/index.js';
import type { Metrics, Signals } from '../observability/index.js';
import type { OpportunityReads } from '../opportunities/index.js';
import type { BreakerRegistry } from '../resilience/index.js';
import type { RolloutController } from '../rollout/index.js';
import type { Db, RedisHandle } from '../storage/index.js';

export interface AppContext {
  clock: Clock;
  readiness: Readiness;
  config: ServiceConfig;
  db: Db;
  /** Present when REDIS_URL is set. */
  redis: RedisHandle | null;
  flags: FlagService;
  /** Persisted, audited, propagated flag overrides and rollout phase (admin API, CLI, console). */
  flagControl: FlagControl;
  metrics: Metrics;
  /** Live measurements published by capabilities for gates, triggers and the console. */
  signals: Signals;
  /** Circuit breakers by dependency: `database`, `redis`, `source:<name>`, `webhook:<channel>`. */
  breakers: BreakerRegistry;
  /** Opportunity reads as the routes see them (through the cache and the database breaker). */
  reads: OpportunityReads;
  /** The opportunity read cache: stats for metrics, the console and the rollout controller. */
  cache: OpportunityCache;
  /** Phases, gates, SLO triggers and automatic rollback; emits 'breach' | 'decision' | 'alert'. */
  rollout: RolloutController;
  /** The dealer workspace (profiles, personal numbers); buildApp creates it when absent. */
  workspace?: Workspace;
}
