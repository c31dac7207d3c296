// Waiting in tests is polling for the thing awaited, never a fixed sleep: a sleep long enough on
// a loaded machine is wasted time on a quiet one, and one short enough on a quiet machine fails
// on a loaded one. `waitFor` re-checks the condition every `intervalMs` and fails after
// `timeoutMs` naming what it waited for and, when the check threw, the last error.
//
// A plain loop on one timer at a time, not vitest's vi.waitFor: vi.waitFor keeps its own interval
// and timeout timers, and a suite that measures how the event loop orders a socket answer against
// a timer (test/cache-redis.test.ts, the busy-loop case) failed every run after using it.

export interface WaitOptions {
  /** Give up after this long (default 10 s: generous, because only a failure waits it out). */
  timeoutMs?: number;
  /** Pause between checks (default 20 ms). */
  intervalMs?: number;
}

/** Resolves with the condition's first truthy value; throws `timed out waiting for <what>`. */
export async function waitFor<T>(what: string, condition: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown = null;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      last = null;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : last ? `: ${String(last)}` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 20));
  }
}
