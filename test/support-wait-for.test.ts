// The shared polling helper: returns the condition's value as soon as it holds, and a timeout
// names what was awaited and the check's last error.
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy value, checking again until then', async () => {
    let calls = 0;
    const value = await waitFor('the third check', () => (++calls >= 3 ? { calls } : null), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
    expect(calls).toBe(3);
  });

  it('awaits an asynchronous condition', async () => {
    let n = 0;
    await expect(waitFor('n to reach 2', async () => ++n === 2, { intervalMs: 1 })).resolves.toBe(true);
  });

  it('fails naming what it waited for and the last error the check threw', async () => {
    await expect(waitFor('a condition that never holds', () => false, { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow(
      'timed out waiting for a condition that never holds',
    );
    await expect(
      waitFor(
        'a reachable server',
        () => {
          throw new Error('ECONNREFUSED');
        },
        { timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow('timed out waiting for a reachable server: ECONNREFUSED');
  });
});
