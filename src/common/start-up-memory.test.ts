import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { releaseStartUpGarbage, START_UP_COLLECTION_SPACING_MS, START_UP_COLLECTIONS, START_UP_SETTLE_MS } from './start-up-memory.js';

describe('start-up garbage release', () => {
  it('runs a full collection once the settle delay has passed, without --expose-gc', async () => {
    const clock = new ManualClock(0);
    // Only a full collection clears a WeakRef's target that has reached the old generation.
    let ref: WeakRef<object> | null = null;
    (() => {
      ref = new WeakRef({ payload: new Array(1000).fill('x') });
    })();
    // A WeakRef keeps its target alive until the current job ends.
    await new Promise((r) => setImmediate(r));
    const released = releaseStartUpGarbage(clock, START_UP_SETTLE_MS, 1);
    clock.advance(START_UP_SETTLE_MS - 1);
    let settled = false;
    void released.then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(released).resolves.toBe(true);
    expect((ref as WeakRef<object> | null)?.deref()).toBeUndefined();
  });

  it('runs its later rounds one spacing apart, and is done only after the last', async () => {
    const clock = new ManualClock(0);
    const released = releaseStartUpGarbage(clock);
    let settled = false;
    void released.then(() => {
      settled = true;
    });
    clock.advance(START_UP_SETTLE_MS);
    for (let round = 2; round <= START_UP_COLLECTIONS; round++) {
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(false);
      clock.advance(START_UP_COLLECTION_SPACING_MS - 1);
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(false);
      clock.advance(1);
    }
    await expect(released).resolves.toBe(true);
  });
});
