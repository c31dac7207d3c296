import { getHeapSpaceStatistics } from 'node:v8';
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

  it('compacts old space on its last round only, handing back pages that start-up left half filled', async () => {
    const oldSpaceMb = () => (getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.physical_space_size ?? 0) / 2 ** 20;
    // Half of 400,000 small objects die once they have reached old space: every page keeps half
    // its objects, too many for V8 to move them on its own, so no page is freed without compacting.
    let survivors: object[] = [];
    const clock = new ManualClock(0);
    const released = releaseStartUpGarbage(clock, 0, 4, 10);
    (() => {
      const all: object[] = [];
      for (let i = 0; i < 400_000; i++) all.push({ i, list: [i, i + 1, i + 2] });
      clock.advance(0); // round 1 promotes them all
      survivors = all.filter((_, i) => i % 2 === 0);
    })();
    await new Promise((r) => setImmediate(r));
    clock.advance(10); // round 2 frees the dead
    await new Promise((r) => setImmediate(r));
    clock.advance(10); // round 3 moves nothing: the pages stay
    const halfFilled = oldSpaceMb();
    await new Promise((r) => setImmediate(r));
    clock.advance(10); // round 4, the last, compacts
    await expect(released).resolves.toBe(true);
    const compacted = oldSpaceMb();
    expect(survivors.length).toBe(200_000);
    // About 20 MB of the objects died; compacting frees most of their pages (18–21 MB here, where
    // 200,000 objects' 10 MB freed 4.5–9 and failed a 6 MB bound now and then).
    expect(halfFilled - compacted).toBeGreaterThan(12);
  });
});
