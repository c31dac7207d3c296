// The shared tier behind the memory tier. Redis being down or slow must never fail or stall a
// request: every call is bounded by a short timeout, and after a failure the tier is skipped
// (reported degraded) until a probe a second later finds it answering again.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../common/clock.js';

export const REDIS_RETRY_AFTER_MS = 1000;

class RedisTimeout extends Error {}

const RELEASE_IF_OWNED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export class RedisTier {
  private healthy = true;
  private retryAt = 0;
  lastError: string | null = null;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {}

  get degraded(): boolean {
    return !this.healthy;
  }

  /** Waits (bounded) for the first connection, so a replica that just started does not begin degraded. */
  async connected(maxWaitMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        timer.cancel();
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = this.clock.setTimeout(() => done(false), maxWaitMs);
      this.client.once('ready', onReady);
    });
  }

  /** Runs one command within the timeout; undefined when Redis is unavailable. */
  private async attempt<T>(op: (c: Redis) => Promise<T>, force = false): Promise<T | undefined> {
    if (!force && !this.healthy && this.clock.now() < this.retryAt) return undefined;
    let timer: { cancel(): void } | undefined;
    try {
      const result = await Promise.race([
        op(this.client),
        new Promise<never>((_, reject) => {
          // Timers run before I/O in each turn of the event loop: after the loop was busy for
          // longer than the timeout (a burst of requests), a reply that arrived meanwhile would
          // lose to the timer, and a healthy Redis would be skipped for a second. setImmediate
          // lets that turn's I/O deliver it first; a Redis that has not answered still times out.
          timer = this.clock.setTimeout(
            () => setImmediate(() => reject(new RedisTimeout(`no answer within ${this.timeoutMs} ms`))),
            this.timeoutMs,
          );
        }),
      ]);
      this.healthy = true;
      this.lastError = null;
      return result;
    } catch (err) {
      this.healthy = false;
      this.retryAt = this.clock.now() + REDIS_RETRY_AFTER_MS;
      this.lastError = err instanceof Error ? err.message : String(err);
      return undefined;
    } finally {
      timer?.cancel();
    }
  }

  /** The stored JSON, null when absent, undefined when Redis could not be asked. */
  get(key: string): Promise<string | null | undefined> {
    return this.attempt((c) => c.get(this.prefix + key));
  }

  async set(key: string, json: string, ttlMs: number): Promise<void> {
    await this.attempt((c) => c.set(this.prefix + key, json, 'PX', ttlMs));
  }

  /**
   * A short lock so one replica loads a key while the others wait for its result: a token to
   * release it with when taken, false when another replica holds it, null when Redis is unavailable.
   */
  async tryLock(key: string, ttlMs: number): Promise<string | false | null> {
    const token = randomUUID();
    const res = await this.attempt((c) => c.set(`${this.prefix}lock:${key}`, token, 'PX', ttlMs, 'NX'));
    return res === undefined ? null : res === 'OK' ? token : false;
  }

  /** Releases the lock if it is still ours: after it ran out, another replica may hold it. */
  async unlock(key: string, token: string): Promise<void> {
    await this.attempt((c) => c.eval(RELEASE_IF_OWNED, 1, `${this.prefix}lock:${key}`, token));
  }

  async publish(channel: string, message: string): Promise<void> {
    // Always tried: an invalidation is rare and worth the wait even while the tier is degraded.
    await this.attempt((c) => c.publish(this.prefix + channel, message), true);
  }

  /** Readiness probe; also what brings the tier back when no request has tried it lately. */
  async probe(): Promise<boolean> {
    this.retryAt = 0;
    return (await this.attempt((c) => c.ping())) === 'PONG';
  }
}
