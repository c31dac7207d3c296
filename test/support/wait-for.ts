// Waiting in tests is polling for the thing awaited, never a fixed sleep: a sleep long enough on
// a loaded machine is wasted time on a quiet one, and one short enough on a quiet machine fails
// on a loaded one. `waitFor` re-checks the condition every `intervalMs` (vitest's vi.waitFor) and
// fails after `timeoutMs` naming what it waited for and, when the check threw, the last error.
import { vi } from 'vitest';

export interface WaitOptions {
  /** Give up after this long (default 10 s: generous, because only a failure waits it out). */
  timeoutMs?: number;
  /** Pause between checks (default 20 ms). */
  intervalMs?: number;
}

/** Resolves with the condition's first truthy value; throws `timed out waiting for <what>`. */
export async function waitFor<T>(what: string, condition: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  let last: unknown = null;
  try {
    return await vi.waitFor(
      async () => {
        let value: T;
        try {
          value = await condition();
        } catch (err) {
          last = err;
          throw err;
        }
        if (!value) throw new Error(`not yet: ${what}`);
        return value as NonNullable<T>;
      },
      { timeout: opts.timeoutMs ?? 10_000, interval: opts.intervalMs ?? 20 },
    );
  } catch {
    const why = last instanceof Error ? `: ${last.message}` : last ? `: ${String(last)}` : '';
    throw new Error(`timed out waiting for ${what}${why}`);
  }
}
