// Cache metrics (`dealerscope_cache_requests_total{result}` is part of the metrics contract in docs/metrics.md; the rest are ours).
import client from 'prom-client';
import { LOAD_REASONS, type LoadReason } from './cluster-flight.js';
import type { ReadCache } from './read-cache.js';

export interface CacheMetrics {
  // Properties, not methods: the cache takes them as free-standing callbacks.
  onResult: (result: 'hit' | 'miss', tier: 'memory' | 'redis' | null) => void;
  onEvict: (count: number) => void;
  onAdmission: (tier: 'response' | 'read', kept: boolean) => void;
  onLoad: (reason: LoadReason) => void;
}

export function registerCacheMetrics(registry: client.Registry, cache: () => ReadCache | null): CacheMetrics {
  // Every cached read counts here, so the counts are kept as plain numbers and added to the
  // counters when they are read (a scrape): a labelled increment builds and hashes its label set,
  // a measurable share of what a replayed request costs.
  const tally = { hit: 0, miss: 0, memory: 0, redis: 0 };
  const requests = new client.Counter({
    name: 'dealerscope_cache_requests_total',
    help: 'Opportunity cache lookups by result',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.inc({ result: 'hit' }, tally.hit);
      this.inc({ result: 'miss' }, tally.miss);
      tally.hit = tally.miss = 0;
    },
  });
  new client.Counter({
    name: 'dealerscope_cache_tier_hits_total',
    help: 'Cache hits by the tier that answered',
    labelNames: ['tier'] as const,
    registers: [registry],
    collect() {
      // A tier appears with its first hit, as it did when each hit was counted on the spot.
      if (tally.memory) this.inc({ tier: 'memory' }, tally.memory);
      if (tally.redis) this.inc({ tier: 'redis' }, tally.redis);
      tally.memory = tally.redis = 0;
    },
  });
  const evictions = new client.Counter({
    name: 'dealerscope_cache_evictions_total',
    help: 'Entries evicted from the memory tier by its entry or byte bound',
    registers: [registry],
  });
  // A falling hit rate with many refusals is traffic the tiers judged rarer than what they hold
  // (a crawl of one-off listings); with many evictions instead, the tiers are too small.
  const admissions = new client.Counter({
    name: 'dealerscope_cache_admissions_total',
    help: 'Loaded values and built responses offered to a memory tier, by tier and whether the admission policy kept them',
    labelNames: ['tier', 'result'] as const,
    registers: [registry],
  });
  // With Redis, a stampede should cost one `lock` load in the whole cluster; `redis_unavailable`
  // or `peer_timeout` loads are replicas that went to the database on their own.
  const loads = new client.Counter({
    name: 'dealerscope_cache_loads_total',
    help: `Reads that went past the cache to the database, by why: ${LOAD_REASONS.join(', ')}`,
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Pre-create the series so dashboards see zeros rather than gaps.
  requests.inc({ result: 'hit' }, 0);
  requests.inc({ result: 'miss' }, 0);
  evictions.inc(0);
  for (const reason of LOAD_REASONS) loads.inc({ reason }, 0);
  for (const tier of ['response', 'read'] as const) for (const result of ['kept', 'refused'] as const) admissions.inc({ tier, result }, 0);
  new client.Gauge({
    name: 'dealerscope_cache_bytes',
    help: 'Bytes held in memory: estimated heap bytes of read values plus compressed responses',
    registers: [registry],
    collect() {
      this.set(cache()?.stats().bytes ?? 0);
    },
  });
  new client.Gauge({
    name: 'dealerscope_cache_entries',
    help: 'Entries held in memory (read values and responses)',
    registers: [registry],
    collect() {
      this.set(cache()?.stats().entries ?? 0);
    },
  });
  new client.Gauge({
    name: 'dealerscope_cache_degraded',
    help: '1 while CACHE_PROVIDER=redis and Redis is unreachable (memory tier and database serve)',
    registers: [registry],
    collect() {
      this.set(cache()?.degraded() ? 1 : 0);
    },
  });
  return {
    onResult(result, tier) {
      tally[result]++;
      if (tier) tally[tier]++;
    },
    onEvict(count) {
      evictions.inc(count);
    },
    onAdmission(tier, kept) {
      admissions.inc({ tier, result: kept ? 'kept' : 'refused' });
    },
    onLoad(reason) {
      loads.inc({ reason });
    },
  };
}
