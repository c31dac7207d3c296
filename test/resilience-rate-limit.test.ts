// Rate limits on /api/* with the real SQLite database and Redis: exact at the limit (in memory and
// shared by two replicas through Redis), spoofed X-Forwarded-For ignored unless TRUST_PROXY names
// the proxy, a Redis outage falls back to the local limiter (never open), dealer API key quotas.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIGNALS } from '../src/observability/signals.js';
import { issueApiKey, revokeApiKey } from '../src/security/api-keys.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { requireRedis, SHARED_REDIS_URL, startPrivateRedis, uniquePrefix } from './support/redis.js';

const redisOk = await requireRedis();
const LIMIT = 100;
const URL = '/api/opportunities?limit=1';

describe('rate limits', () => {
  let tdb: TestDb;
  const apps: TestApp[] = [];

  async function app(env: Record<string, string> = {}): Promise<TestApp> {
    const t = await buildTestApp(tdb.db, { RATE_LIMIT_PER_MINUTE: String(LIMIT), RATE_LIMIT_KEY_PREFIX: uniquePrefix('rl'), ...env });
    apps.push(t);
    return t;
  }
  const get = (t: TestApp, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    t.app.inject({ method: 'GET', url: URL, headers, remoteAddress });

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
  });
  afterEach(async () => {
    for (const t of apps.splice(0)) {
      await t.app.close();
      await t.ctx.redis?.close();
    }
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('allows exactly the limit per client IP, then 429 with Retry-After and RateLimit headers', async () => {
    const t = await app();
    for (let i = 1; i <= LIMIT; i++) {
      const res = await get(t);
      expect(res.statusCode, `request ${i}`).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe(String(LIMIT));
      expect(res.headers['ratelimit-remaining']).toBe(String(LIMIT - i));
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
    }
    const refused = await get(t);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    // Another client is unaffected; operations endpoints are exempt.
    expect((await get(t, {}, '10.1.2.3')).statusCode).toBe(200);
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await t.app.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBeLessThan(429);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/dealerscope_rate_limited_total\{scope="ip"\} 1/);
    // A correct limiter never refuses a client that was under its limit.
    expect(t.ctx.signals.read(SIGNALS.rateLimitLegitimateRefusalRatio)).toBe(0);
  });

  it('ignores spoofed X-Forwarded-For by default and honours it only from a trusted proxy', async () => {
    const t = await app();
    let ok = 0;
    for (let i = 0; i < LIMIT + 20; i++) {
      const res = await get(t, { 'x-forwarded-for': `203.0.113.${i % 250}` });
      if (res.statusCode === 200) ok++;
    }
    expect(ok).toBe(LIMIT);

    const proxied = await app({ TRUST_PROXY: '127.0.0.1' });
    for (let i = 0; i < LIMIT + 20; i++) {
      expect((await get(proxied, { 'x-forwarded-for': `198.51.100.${i % 250}` })).statusCode).toBe(200);
    }
    // From an address that is not the trusted proxy, the header is ignored again.
    let fromOther = 0;
    for (let i = 0; i < LIMIT + 5; i++) {
      if ((await get(proxied, { 'x-forwarded-for': `198.51.100.${i}` }, '192.0.2.9')).statusCode === 200) fromOther++;
    }
    expect(fromOther).toBe(LIMIT);
  });

  it('switches with the flags at runtime', async () => {
    const t = await app();
    t.ctx.flags.setOverrides({ ENABLE_RATE_LIMITING: false });
    for (let i = 0; i < LIMIT + 10; i++) expect((await get(t)).statusCode).toBe(200);
    expect((await get(t)).headers['ratelimit-limit']).toBeUndefined();
    t.ctx.flags.setOverrides({ ENABLE_RATE_LIMITING: true });
    expect((await get(t)).headers['ratelimit-limit']).toBe(String(LIMIT));
  });

  it('applies a dealer key its own quota; unknown and revoked keys get 401', async () => {
    const t = await app();
    const issued = await issueApiKey(tdb.db, 'dealer one', 5, Date.now());
    for (let i = 0; i < 5; i++) {
      const res = await get(t, { 'x-api-key': issued.key });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('5');
    }
    expect((await get(t, { 'x-api-key': issued.key })).statusCode).toBe(429);
    // The key's quota is separate from the address's own allowance.
    expect((await get(t)).statusCode).toBe(200);
    const forged = `${issued.key.slice(0, -4)}AAAA`;
    expect((await get(t, { 'x-api-key': forged })).statusCode).toBe(401);
    expect((await get(t, { 'x-api-key': "' OR 1=1 --" })).statusCode).toBe(401);
    await revokeApiKey(tdb.db, issued.keyId, Date.now());
    expect((await get(t, { 'x-api-key': issued.key })).statusCode).toBe(401);
    // With API_RATE_LIMITING off, the header is ignored and the IP limit applies.
    t.ctx.flags.setOverrides({ API_RATE_LIMITING: false });
    expect((await get(t, { 'x-api-key': issued.key })).headers['ratelimit-limit']).toBe(String(LIMIT));
  });

  it('counts a request whose key opens nothing against its address: made-up keys are no way around the limit', async () => {
    const t = await app();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 10; i++) statuses.push((await get(t, { 'x-api-key': `dsk_guess_${i}` }, '10.7.7.7')).statusCode);
    expect(statuses.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    const refused = await get(t, { 'x-api-key': 'dsk_guess_again' }, '10.7.7.7');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(statuses.slice(LIMIT)).toEqual(Array(10).fill(429));
    // The guesses used up the address's own allowance too; a real key still has its own quota.
    expect((await get(t, {}, '10.7.7.7')).statusCode).toBe(429);
    const issued = await issueApiKey(tdb.db, 'dealer two', 5, Date.now());
    expect((await get(t, { 'x-api-key': issued.key }, '10.7.7.7')).statusCode).toBe(200);
  });

  it.runIf(redisOk)('is shared and exact across two replicas through Redis', async () => {
    const prefix = uniquePrefix('rl-shared');
    const env = { REDIS_URL: SHARED_REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix };
    const a = await app(env);
    const b = await app(env);
    // 150 concurrent requests split over both replicas: exactly the limit gets through.
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => get(i % 2 ? a : b, {}, '10.9.9.9')));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(LIMIT);
    expect(codes.filter((c) => c === 429)).toHaveLength(150 - LIMIT);
    const stored = await a.ctx.redis!.client.keys(`${prefix}*`);
    expect(stored.length).toBeGreaterThan(0);
  });

  it.runIf(redisOk)('keeps limiting with the local counter while Redis is down', async () => {
    const redis = await startPrivateRedis();
    try {
      const t = await app({ REDIS_URL: redis.url });
      for (let i = 0; i < 10; i++) expect((await get(t)).statusCode).toBe(200);
      await redis.stop();
      let ok = 0;
      let refused = 0;
      for (let i = 0; i < LIMIT + 20; i++) {
        const res = await get(t);
        expect(res.statusCode).not.toBe(500);
        if (res.statusCode === 200) ok++;
        if (res.statusCode === 429) refused++;
      }
      // The local counter starts when Redis goes away: at most the limit gets through, the rest is refused.
      expect(ok).toBe(LIMIT);
      expect(refused).toBe(20);
    } finally {
      await redis.destroy();
    }
  });
});
