import { describe, expect, it } from 'vitest';
import { withRetries } from './retry.js';

class Transient extends Error {
  constructor(readonly n: number) {
    super(`transient ${n}`);
  }
}

describe('withRetries', () => {
  it('makes exactly `attempts` attempts and gives up with the last error', async () => {
    const seen: number[] = [];
    const err = await withRetries({ attempts: 4, retryOn: (e) => e instanceof Transient }, async (n) => {
      seen.push(n);
      throw new Transient(n);
    }).catch((e: unknown) => e);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect((err as Transient).n).toBe(4);
  });

  it('returns the first success without further attempts', async () => {
    let calls = 0;
    const v = await withRetries({ attempts: 5, retryOn: () => true }, async (n) => {
      calls++;
      if (n < 3) throw new Transient(n);
      return `ok on ${n}`;
    });
    expect(v).toBe('ok on 3');
    expect(calls).toBe(3);
  });

  it('throws a failure it does not retry at once', async () => {
    let calls = 0;
    await expect(
      withRetries({ attempts: 5, retryOn: (e) => e instanceof Transient }, async () => {
        calls++;
        throw new Error('permanent');
      }),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
  });

  it('pauses through the injected wait, by the failed attempt and its error, and reports each retry', async () => {
    const waits: number[] = [];
    const retries: string[] = [];
    await withRetries(
      {
        attempts: 3,
        retryOn: () => true,
        delayMs: (attempt, e) => attempt * 1000 + (e as Transient).n,
        wait: async (ms) => {
          waits.push(ms);
        },
        onRetry: (attempt, e) => retries.push(`${attempt}:${(e as Error).message}`),
      },
      async (n) => {
        throw new Transient(n * 10);
      },
    ).catch(() => undefined);
    expect(waits).toEqual([1010, 2020]);
    expect(retries).toEqual(['1:transient 10', '2:transient 20']);
  });

  it('with one attempt never retries, and refuses a nonsensical count', async () => {
    let calls = 0;
    await expect(
      withRetries({ attempts: 1, retryOn: () => true }, async () => {
        calls++;
        throw new Transient(1);
      }),
    ).rejects.toThrow('transient 1');
    expect(calls).toBe(1);
    await expect(withRetries({ attempts: 0, retryOn: () => true }, async () => 1)).rejects.toThrow(RangeError);
  });
});
