// Fixed-window request quotas. With Redis the count is shared by every replica (rate-limiter-flexible,
// an atomic INCR per request, so the limit is exact); while Redis is unreachable each replica
// counts in memory (the library's insurance limiter), so the limit still holds per replica and the
// service never fails open. Without Redis the count is this process's own fixed window, answered
// synchronously: the library's memory limiter answers through a promise and keeps a timer per key,
// which on a cached API read was a promise, a microtask hop and a timer per request.
import type * as Flexible from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { lazyRequire } from '../common/lazy-require.js';
import type { RedisHandle } from '../storage/index.js';

// The package's index loads every limiter it has (Mongo, DynamoDB, Prisma, etcd, …: 36 modules,
// 1.2 MB of heap for the life of the process); the three used here are taken from their own files,
// which are what the index re-exports, and only once Redis is configured.
const redisLimiter = lazyRequire<typeof Flexible.RateLimiterRedis>('rate-limiter-flexible/lib/RateLimiterRedis.js');
const memoryLimiter = lazyRequire<typeof Flexible.RateLimiterMemory>('rate-limiter-flexible/lib/RateLimiterMemory.js');
const limiterRes = lazyRequire<typeof Flexible.RateLimiterRes>('rate-limiter-flexible/lib/RateLimiterRes.js');

export interface QuotaDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets (and a refused client may retry). */
  resetMs: number;
}

/** The limiter itself failed (neither Redis nor the local counter answered). */
export class LimiterUnavailableError extends Error {}

export interface QuotaLimiterOptions {
  redis: RedisHandle | null;
  keyPrefix: string;
  points: number;
  durationSec: number;
  /** Milliseconds since the epoch; the in-memory windows run on it (tests move it by hand). */
  now?: () => number;
}

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Per-key fixed windows in this process, as rate-limiter-flexible's memory limiter counts them: a
 * window opens at a key's first request and lasts `durationMs`; requests past `points` in it are
 * refused (and still counted). Ended windows are dropped by a sweep at most once per window length.
 */
export class MemoryWindows {
  private readonly windows = new Map<string, Window>();
  private nextSweep: number;

  constructor(
    readonly points: number,
    private readonly durationMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.nextSweep = now() + durationMs;
  }

  consume(key: string, points = 1): QuotaDecision {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    let w = this.windows.get(key);
    if (w === undefined || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.durationMs };
      this.windows.set(key, w);
    }
    w.count += points;
    const allowed = w.count <= this.points;
    return { allowed, limit: this.points, remaining: allowed ? this.points - w.count : 0, resetMs: w.resetAt - now };
  }

  refund(key: string, points = 1): void {
    const w = this.windows.get(key);
    if (w !== undefined && w.resetAt > this.now()) w.count -= points;
  }

  /** Keys with an open window (the sweep bounds this by the clients of one window length). */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
    this.nextSweep = now + this.durationMs;
  }
}

export class QuotaLimiter {
  private readonly limiter: RateLimiterAbstract | null;
  private readonly local: MemoryWindows | null;
  readonly points: number;

  constructor(opts: QuotaLimiterOptions) {
    this.points = opts.points;
    if (opts.redis) {
      this.local = null;
      const RateLimiterRedis = redisLimiter();
      const RateLimiterMemory = memoryLimiter();
      this.limiter = new RateLimiterRedis({
        storeClient: opts.redis.client,
        points: opts.points,
        duration: opts.durationSec,
        keyPrefix: opts.keyPrefix,
        insuranceLimiter: new RateLimiterMemory({ points: opts.points, duration: opts.durationSec, keyPrefix: opts.keyPrefix }),
        // Go to the local counter at once while the connection is down instead of waiting on a timeout.
        rejectIfRedisNotReady: true,
      });
    } else {
      this.limiter = null;
      this.local = new MemoryWindows(opts.points, opts.durationSec * 1000, opts.now);
    }
  }

  /** The decision at once when this process keeps the count (no Redis); null when Redis must be asked. */
  consumeNow(key: string): QuotaDecision | null {
    return this.local?.consume(key) ?? null;
  }

  async consume(key: string): Promise<QuotaDecision> {
    if (this.local) return this.local.consume(key);
    const limiter = this.limiter as RateLimiterAbstract;
    try {
      const res = await limiter.consume(key, 1);
      return { allowed: true, limit: this.points, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
    } catch (err) {
      if (err instanceof limiterRes()) {
        return { allowed: false, limit: this.points, remaining: 0, resetMs: err.msBeforeNext };
      }
      throw new LimiterUnavailableError(err instanceof Error ? err.message : String(err));
    }
  }

  /** Gives back one point consumed for `key` (an attempt that turned out not to count). */
  async refund(key: string): Promise<void> {
    if (this.local) {
      this.local.refund(key);
      return;
    }
    try {
      await (this.limiter as RateLimiterAbstract).reward(key, 1);
    } catch (err) {
      throw new LimiterUnavailableError(err instanceof Error ? err.message : String(err));
    }
  }
}

/** One limiter per distinct quota (API keys carry their own), created on first use. */
export class QuotaLimiters {
  private readonly byPoints = new Map<number, QuotaLimiter>();
  constructor(private readonly base: Omit<QuotaLimiterOptions, 'points'>) {}

  forQuota(points: number): QuotaLimiter {
    let l = this.byPoints.get(points);
    if (!l) {
      l = new QuotaLimiter({ ...this.base, points, keyPrefix: `${this.base.keyPrefix}q${points}:` });
      this.byPoints.set(points, l);
    }
    return l;
  }
}
