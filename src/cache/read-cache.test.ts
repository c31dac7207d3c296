// The two memory tiers keep separate byte budgets: whole responses fill theirs
// (CACHE_RESPONSE_MAX_BYTES) without taking room from the read values (CACHE_MAX_BYTES).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../common/clock.js';
import { FlagService } from '../flags/index.js';
import { ReadCache } from './read-cache.js';
import { cacheSettings, DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_RESPONSE_MAX_BYTES, readTierBytes } from './settings.js';
import { MemoryTier } from './memory-tier.js';

// Incompressible bodies, so each kept response weighs what its gzip bytes say.
const body = (n: number) => {
  const json = Buffer.from(JSON.stringify(randomBytes(n).toString('base64')));
  return { body: json, etag: `"${json.subarray(0, 8).toString('hex')}"` };
};

function cacheWith(env: Record<string, string>) {
  const flags = new FlagService({ env: 'development', rawEnv: { FF_CACHE_MAX_SIZE: '1000' } });
  return new ReadCache({ flags, clock: systemClock, random: () => 0.5, settings: cacheSettings(env), redis: null, version: () => 1 });
}

describe('read cache byte budgets', () => {
  it('defaults to 16 MiB of read values and 24 MiB of responses, each settable, refusing nonsense by name', () => {
    expect(cacheSettings({}).maxBytes).toBe(DEFAULT_CACHE_MAX_BYTES);
    expect(cacheSettings({}).responseMaxBytes).toBe(DEFAULT_CACHE_RESPONSE_MAX_BYTES);
    expect(cacheSettings({ CACHE_RESPONSE_MAX_BYTES: '1048576' }).responseMaxBytes).toBe(1048576);
    expect(() => cacheSettings({ CACHE_RESPONSE_MAX_BYTES: 'lots' })).toThrow(/CACHE_RESPONSE_MAX_BYTES/);
  });

  it("sizes the read values' budget by the entry bound unless CACHE_MAX_BYTES fixes it", () => {
    const MiB = 1024 * 1024;
    const auto = cacheSettings({});
    // Phase 1's 1,000 entries: 5 MiB (the after-load RSS gate); phase 4's 5,000: the 16 MiB ceiling.
    expect(readTierBytes(auto, 1000)).toBe(5 * MiB);
    expect(readTierBytes(auto, 100)).toBe(5 * MiB);
    expect(readTierBytes(auto, 1500)).toBe(1500 * 5 * 1024);
    expect(readTierBytes(auto, 5000)).toBe(16 * MiB);
    const fixed = cacheSettings({ CACHE_MAX_BYTES: String(12 * MiB) });
    expect(readTierBytes(fixed, 1000)).toBe(12 * MiB);
    expect(readTierBytes(fixed, 5000)).toBe(12 * MiB);
  });

  it('a smaller byte budget on resize keeps only the newest entries that fit it', () => {
    const tier = new MemoryTier(10, 1000, new ManualClock(Date.UTC(2026, 11, 1)));
    for (let i = 0; i < 10; i++) tier.set(`k${i}`, i, 100, 60_000);
    tier.resize(10, 350);
    expect(tier.fits(351)).toBe(false);
    expect(tier.entries).toBe(3);
    expect([7, 8, 9].map((i) => tier.get(`k${i}`)?.value)).toEqual([7, 8, 9]);
    expect(tier.get('k6')).toBeUndefined();
    expect(tier.evictions).toBe(7);
  });

  it('bounds kept responses by their own budget, leaving the read values theirs', async () => {
    const cache = cacheWith({ CACHE_RESPONSE_MAX_BYTES: String(256 * 1024), CACHE_MAX_BYTES: String(4 * 1024 * 1024) });
    for (let i = 0; i < 40; i++) {
      await cache.respond(
        () => `page-${i}`,
        async () => body(16 * 1024),
      );
      await cache.through(
        () => `read-${i}`,
        async () => ({ rows: Array.from({ length: 50 }, (_, j) => ({ id: i * 100 + j, note: 'x'.repeat(200) })) }),
      );
    }
    const stats = cache.stats();
    expect(stats.responseBytes).toBeLessThanOrEqual(256 * 1024);
    // About 21 KB a response: the 256 KiB budget holds a dozen of the forty, not all.
    expect(stats.responseEntries).toBeGreaterThan(5);
    expect(stats.responseEntries).toBeLessThan(20);
    // The read values' tier kept every one of its forty: the responses took none of its room.
    expect(stats.entries - stats.responseEntries).toBe(40);
  });
});

describe('the replay lane’s replayer', () => {
  it('follows the data version: the old version’s response is not found once the version moves', async () => {
    let version = 1;
    const flags = new FlagService({ env: 'development', rawEnv: { FF_CACHE_MAX_SIZE: '1000' } });
    const cache = new ReadCache({
      flags,
      clock: systemClock,
      random: () => 0.5,
      settings: cacheSettings({}),
      redis: null,
      version: () => version,
    });
    const kind = (v: number) => `v${v}:pg:abc`;
    const first = await cache.respond(kind, async () => body(64));
    const replayer = cache.replayer(kind);
    const kept = replayer.lookup();
    expect(kept?.etag).toBe(first.etag);
    const hits = cache.stats().hits;
    replayer.hit(kept as NonNullable<typeof kept>);
    expect(cache.stats().hits).toBe(hits + 1);
    version = 2;
    expect(replayer.lookup()).toBeUndefined();
    const second = await cache.respond(kind, async () => body(64));
    expect(replayer.lookup()?.etag).toBe(second.etag);
    expect(second.etag).not.toBe(first.etag);
  });
});
