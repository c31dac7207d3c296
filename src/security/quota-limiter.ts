// Fixed-window request quotas on rate-limiter-flexible. With Redis the count is shared by every
// replica (an atomic INCR per request, so the limit is exact); while Redis is unreachable each
// replica counts in memory (the library's insurance limiter), so the limit still holds per
// replica and the service never fails open.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisHandle } from '../storage/redis.js';

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
}

export class QuotaLimiter {
  private readonly limiter: RateLimiterAbstract;
  readonly points: number;

  constructor(opts: QuotaLimiterOptions) {
    this.points = opts.points;
    const local = new RateLimiterMemory({ points: opts.points, duration: opts.durationSec, keyPrefix: opts.keyPrefix });
    this.limiter = opts.redis
      ? new RateLimiterRedis({
        storeClient: opts.redis.client,
        points: opts.points,
        duration: opts.durationSec,
        keyPrefix: opts.keyPrefix,
        insuranceLimiter: local,
        // Go to the local counter at once while the connection is down instead of waiting on a timeout.
        rejectIfRedisNotReady: true,
      })
      : local;
  }

  async consume(key: string): Promise<QuotaDecision> {
    try {
      const res = await this.limiter.consume(key, 1);
      return { allowed: true, limit: this.points, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        return { allowed: false, limit: this.points, remaining: 0, resetMs: err.msBeforeNext };
      }
      throw new LimiterUnavailableError(err instanceof Error ? err.message : String(err));
    }
  }

  /** Gives back one point consumed for `key` (an attempt that turned out not to count). */
  async refund(key: string): Promise<void> {
    try {
      await this.limiter.reward(key, 1);
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
