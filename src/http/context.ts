// What every capability's routes receive: configuration, storage, flags, time and the shared
// registries. Built once per process by http/service.ts (or by a test).
import type { ServiceConfig } from '../config/env.js';
import type { FlagService } from '../flags/flag-service.js';
import type { Metrics } from '../observability/metrics.js';
import type { Signals } from '../observability/signals.js';
import type { CursorCodec } from '../opportunities/cursor.js';
import type { OpportunityReads } from '../opportunities/read-service.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../storage/db.js';
import type { RedisHandle } from '../storage/redis.js';
import type { BreakerRegistry } from '../resilience/breakers.js';
import type { OpportunityCache } from '../cache/index.js';
import type { FlagControl } from '../flags/flag-control.js';
import type { RolloutController } from '../rollout/controller.js';
import type { Readiness } from './readiness.js';
import type { QualityService } from '../quality/service.js';
import type { BrowserPool } from '../ingest/browser/pool.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { Workspace } from '../dealers/workspace.js';

export interface AppContext {
  config: ServiceConfig;
  db: Db;
  /** Present when REDIS_URL is set. */
  redis: RedisHandle | null;
  flags: FlagService;
  clock: Clock;
  readiness: Readiness;
  metrics: Metrics;
  /** Live measurements published by capabilities for gates, triggers and the console. */
  signals: Signals;
  cursors: CursorCodec;
  /** Circuit breakers by dependency: `database`, `redis`, `source:<name>`, `webhook:<channel>`. */
  breakers: BreakerRegistry;
  /** Opportunity reads as the routes see them (possibly wrapped by the cache). */
  reads: OpportunityReads;
  /** The opportunity read cache: stats for metrics, the console and the rollout controller. */
  cache: OpportunityCache;
  /** Persisted, audited, propagated flag overrides and rollout phase (admin API, CLI, console). */
  flagControl: FlagControl;
  /** Phases, gates, SLO triggers and automatic rollback; emits 'breach' | 'decision' | 'alert'. */
  rollout: RolloutController;
  /** Data contract, provenance, anomaly verdicts and the quality monitor (signals, metrics). */
  quality: QualityService;
  /** Headless Chromium for sources that need rendering; launches only when a job needs it. */
  browserPool: BrowserPool;
  /** Source snapshots kept by SHA-256 (disk or S3): ingestion keeps, provenance checks read. */
  evidence: EvidenceStore;
  /** The dealer workspace (profiles, personal numbers); buildApp creates it when absent. */
  workspace?: Workspace;
}
