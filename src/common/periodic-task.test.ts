import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { PeriodicTask } from './periodic-task.js';

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PeriodicTask', () => {
  it('waits firstAfterMs, then pauses everyMs after each pass ends', async () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const task = new PeriodicTask({
      clock,
      firstAfterMs: 5,
      everyMs: 100,
      onError: () => {},
      run: async () => {
        at.push(clock.now());
      },
    });
    task.start();
    task.start();
    clock.advance(4);
    expect(at).toEqual([]);
    clock.advance(1);
    await flush();
    for (let i = 0; i < 3; i++) {
      clock.advance(100);
      await flush();
    }
    expect(at).toEqual([5, 105, 205, 305]);
  });

  it('never overlaps: the pause starts when a slow pass ends', async () => {
    const clock = new ManualClock(0);
    let inFlight = 0;
    let most = 0;
    const gates: Array<ReturnType<typeof deferred>> = [];
    const task = new PeriodicTask({
      clock,
      everyMs: 10,
      onError: () => {},
      run: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        const g = deferred();
        gates.push(g);
        await g.promise;
        inFlight--;
      },
    });
    task.start();
    clock.advance(10);
    await flush();
    expect(gates).toHaveLength(1);
    clock.advance(1000);
    await flush();
    expect(gates).toHaveLength(1);
    clock.advance(5);
    gates[0]!.resolve();
    await flush();
    clock.advance(9);
    await flush();
    expect(gates).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(gates).toHaveLength(2);
    expect(most).toBe(1);
    gates[1]!.resolve();
    await task.stop();
  });

  it('hands a failed pass to onError and keeps going', async () => {
    const clock = new ManualClock(0);
    const errors: string[] = [];
    let n = 0;
    const task = new PeriodicTask({
      clock,
      everyMs: 10,
      onError: (e) => {
        errors.push((e as Error).message);
        throw new Error('logger down');
      },
      run: async () => {
        n++;
        if (n === 1) throw new Error('database away');
      },
    });
    task.start();
    clock.advance(10);
    await flush();
    clock.advance(10);
    await flush();
    expect(errors).toEqual(['database away']);
    expect(n).toBe(2);
    await task.stop();
  });

  it('stop() cancels the next pass and resolves only after the pass in flight has ended', async () => {
    const clock = new ManualClock(0);
    const gate = deferred();
    let passes = 0;
    let ended = false;
    const task = new PeriodicTask({
      clock,
      everyMs: 10,
      onError: () => {},
      run: async () => {
        passes++;
        await gate.promise;
        ended = true;
      },
    });
    task.start();
    clock.advance(10);
    await flush();
    let stopped = false;
    const stopping = task.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(ended).toBe(true);
    expect(task.started).toBe(false);
    clock.advance(1000);
    await flush();
    expect(passes).toBe(1);
  });

  it('kick() runs a pass now, and a kick during a pass earns exactly one more right after it', async () => {
    const clock = new ManualClock(0);
    const gates: Array<ReturnType<typeof deferred>> = [];
    const task = new PeriodicTask({
      clock,
      everyMs: 1000,
      onError: () => {},
      run: async () => {
        const g = deferred();
        gates.push(g);
        await g.promise;
      },
    });
    task.kick();
    clock.advance(0);
    await flush();
    expect(gates).toHaveLength(0);
    task.start();
    task.kick();
    clock.advance(0);
    await flush();
    expect(gates).toHaveLength(1);
    task.kick();
    task.kick();
    clock.advance(0);
    await flush();
    expect(gates).toHaveLength(1);
    gates[0]!.resolve();
    await flush();
    clock.advance(0);
    await flush();
    expect(gates).toHaveLength(2);
    gates[1]!.resolve();
    await flush();
    clock.advance(999);
    await flush();
    expect(gates).toHaveLength(2);
    clock.advance(1);
    await flush();
    expect(gates).toHaveLength(3);
    gates[2]!.resolve();
    await task.stop();
  });

  it('asks a function for each pause, for loops that wake when work falls due', async () => {
    const clock = new ManualClock(0);
    const pauses = [3, 50, 7];
    const at: number[] = [];
    const task = new PeriodicTask({
      clock,
      firstAfterMs: 0,
      everyMs: () => pauses.shift() ?? 1000,
      onError: () => {},
      run: async () => {
        at.push(clock.now());
      },
    });
    task.start();
    for (let i = 0; i < 80; i++) {
      clock.advance(1);
      await flush();
    }
    // The first pass fires at 0 and ends within the 1 ms step, so each pause counts from the next millisecond.
    expect(at).toEqual([0, 4, 54, 61]);
    await task.stop();
  });
});
