// Assembles the opportunity cache for one process: tiers, data-version watcher, metrics,
// readiness and the hit-ratio signal. http/service.ts calls createOpportunityCache once.
import type { FlagService } from '../flags/index.js';
import type { Readiness } from '../common/readiness.js';
import { SIGNALS, type Metrics, type Signals } from '../observability/index.js';
import type { OpportunityReads, ResponseCache } from '../opportunities/index.js';
import type { Clock } from '../common/clock.js';
import type { Random } from '../common/random.js';
import type { Db, RedisHandle } from '../storage/index.js';
import { registerCacheMetrics } from './cache-metrics.js';
import type { LoadReason } from './cluster-flight.js';
import { DATA_VERSION_CHANNEL, DataVersionWatcher } from '../opportunities/index.js';
import { createCachedReads, ReadCache, type CacheStats } from './read-cache.js';
import { RedisTier } from './redis-tier.js';
import { cacheSettings } from './settings.js';

export { cachePlugin } from './plugin.js';
export { createCachedReads, ReadCache, type CacheStats } from './read-cache.js';
export type { BuiltBody, ServedBody } from '../common/response-body.js';
export { cacheKeys, notifyDataVersion } from '../opportunities/index.js';

export interface OpportunityCache extends ResponseCache {
  stats(): CacheStats;
  /** The data version entries are currently keyed by. */
  dataVersion(): number;
  /** Wraps reads (the database's, or breakers around them). */
  wrap(inner: OpportunityReads): OpportunityReads;
  /** Loads that went past the cache, and version reads, for the benchmark's query accounting. */
  counters(): { loads: number; loadReasons: Record<LoadReason, number>; versionPolls: number };
  close(): void;
}

export interface OpportunityCacheDeps {
  db: Db;
  redis: RedisHandle | null;
  flags: FlagService;
  clock: Clock;
  random?: Random;
  env: NodeJS.ProcessEnv;
  metrics: Metrics;
  readiness: Readiness;
  signals: Signals;
}

export async function createOpportunityCache(deps: OpportunityCacheDeps): Promise<OpportunityCache> {
  const settings = cacheSettings(deps.env);
  const tier = deps.redis ? new RedisTier(deps.redis.client, settings.keyPrefix, settings.redisTimeoutMs, deps.clock) : null;
  let cache: ReadCache | null = null;
  const metrics = registerCacheMetrics(deps.metrics.registry, () => cache);
  const watcher = new DataVersionWatcher(
    deps.db,
    deps.clock,
    settings.versionPollMs,
    () => cache?.dropMemory(),
    tier ? (v) => tier.publish(DATA_VERSION_CHANNEL, String(v)) : null,
  );
  cache = new ReadCache({
    flags: deps.flags,
    clock: deps.clock,
    random: deps.random ?? Math.random,
    settings,
    redis: tier,
    version: () => watcher.current(),
    onResult: metrics.onResult,
    onEvict: metrics.onEvict,
    onAdmission: metrics.onAdmission,
    onLoad: metrics.onLoad,
  });
  const readCache = cache;
  await watcher.start();
  await tier?.connected(1000);
  if (deps.redis) {
    // Subscribers may queue their SUBSCRIBE until connected and need no command timeout.
    const sub = deps.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
    watcher.subscribe(sub, settings.keyPrefix + DATA_VERSION_CHANNEL);
  }

  deps.readiness.register('cache', async () => {
    const provider = deps.flags.get('CACHE_PROVIDER');
    const detail = { provider, enabled: deps.flags.get('ENABLE_PRODUCTION_CACHE'), ...readCache.stats(), dataVersion: watcher.current() };
    if (provider !== 'redis') return { status: 'ok', detail };
    if (!tier) return { status: 'degraded', detail: { ...detail, reason: 'CACHE_PROVIDER=redis but REDIS_URL is not set' } };
    const up = await tier.probe();
    return up
      ? { status: 'ok', detail: { ...detail, degraded: false } }
      : { status: 'degraded', detail: { ...detail, degraded: true, reason: tier.lastError } };
  });
  deps.signals.register(SIGNALS.cacheHitRatio, () => readCache.window.ratio());

  return {
    stats: () => readCache.stats(),
    dataVersion: () => watcher.current(),
    wrap: (inner) => createCachedReads(inner, readCache),
    respond: (kind, build) => readCache.respond(kind, build),
    identityOf: (served) => readCache.identityOf(served),
    replayer: (kind) => readCache.replayer(kind),
    counters: () => ({ loads: readCache.loads, loadReasons: { ...readCache.loadReasons }, versionPolls: watcher.polls }),
    close: () => watcher.close(),
  };
}
