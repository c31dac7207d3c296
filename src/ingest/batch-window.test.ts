import { describe, expect, it } from 'vitest';
import { BatchWindow } from './batch-window.js';

/** A batch whose work the test finishes by hand, so the order of events is the test's own. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('BatchWindow', () => {
  it('keeps two batches in flight and applies outcomes in start order when they finish out of order', async () => {
    const applied: number[] = [];
    const w = new BatchWindow<number>(2, (n) => applied.push(n));
    const b = [deferred<number>(), deferred<number>(), deferred<number>()];
    let started = 0;
    const start = (i: number) => () => {
      started++;
      return b[i]!.promise;
    };
    await w.add(start(0)); // one in flight: returns at once
    let secondReturned = false;
    const second = w.add(start(1)).then(() => (secondReturned = true));
    await flush();
    expect(started).toBe(2); // both running at once
    expect(secondReturned).toBe(false); // the caller waits: a third batch would be over the bound
    b[1]!.resolve(11);
    await flush();
    expect(applied).toEqual([]); // batch 1 finished first but waits for batch 0
    expect(secondReturned).toBe(false);
    b[0]!.resolve(10);
    await second;
    expect(applied).toEqual([10, 11]);
    await w.add(start(2));
    b[2]!.resolve(12);
    await w.drain();
    expect(applied).toEqual([10, 11, 12]);
  });

  it('with depth 1 runs batches one after another', async () => {
    const w = new BatchWindow<number>(1, () => undefined);
    const first = deferred<number>();
    let secondStarted = false;
    const adding = w.add(() => first.promise);
    await flush();
    expect(secondStarted).toBe(false);
    first.resolve(1);
    await adding;
    await w.add(async () => {
      secondStarted = true;
      return 2;
    });
    expect(secondStarted).toBe(true);
  });

  it('reports the first failure, applies nothing after it, and settle waits for work still running', async () => {
    const applied: number[] = [];
    const w = new BatchWindow<number>(2, (n) => applied.push(n));
    const b0 = deferred<number>();
    const b1 = deferred<number>();
    await w.add(() => b0.promise);
    const adding = w.add(() => b1.promise);
    b0.reject(new Error('batch 0 failed'));
    await expect(adding).rejects.toThrow('batch 0 failed');
    let settled = false;
    const settling = w.settle().then(() => (settled = true));
    await flush();
    expect(settled).toBe(false); // batch 1 is still writing
    b1.resolve(1);
    await settling;
    expect(applied).toEqual([]);
  });

  it('refuses a depth that is not a whole number of at least one', () => {
    expect(() => new BatchWindow(0, () => undefined)).toThrow(/batches in flight/);
    expect(() => new BatchWindow(1.5, () => undefined)).toThrow(/batches in flight/);
  });
});
