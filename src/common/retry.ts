// Retries through cockatiel's retry policy: it counts the attempts, decides which errors are worth
// another one and gives up with the last error. The pause between attempts is taken by the caller's
// `wait` (the injected clock, a scraper's keep-alive sleep) rather than cockatiel's own timer,
// which reads the real clock and so cannot be compressed by a test.
import { ConstantBackoff, handleWhen, retry } from 'cockatiel';

export interface RetryOptions {
  /** Attempts in all, the first included (1 = no retry). */
  attempts: number;
  /** Which failures earn another attempt; any other is thrown at once. */
  retryOn: (err: unknown) => boolean;
  /** Pause before the next attempt, given the number (1-based) of the attempt that failed and its error. */
  delayMs?: (failedAttempt: number, err: unknown) => number;
  wait?: (ms: number) => Promise<void>;
  /** Called before each retry, after the decision to retry and before the pause. */
  onRetry?: (failedAttempt: number, err: unknown) => void;
}

export async function withRetries<T>(o: RetryOptions, fn: (attempt: number) => Promise<T>): Promise<T> {
  if (!Number.isInteger(o.attempts) || o.attempts < 1) throw new RangeError(`attempts must be an integer ≥ 1, got ${o.attempts}`);
  const policy = retry(handleWhen(o.retryOn), { maxAttempts: o.attempts - 1, backoff: new ConstantBackoff(0) });
  let lastError: unknown;
  return policy.execute(async ({ attempt }) => {
    // cockatiel numbers attempts from 0; a retry pauses first, by the failed attempt's rule.
    if (attempt > 0) {
      o.onRetry?.(attempt, lastError);
      const ms = o.delayMs?.(attempt, lastError) ?? 0;
      if (ms > 0 && o.wait) await o.wait(ms);
    }
    try {
      return await fn(attempt + 1);
    } catch (err) {
      lastError = err;
      throw err;
    }
  });
}
