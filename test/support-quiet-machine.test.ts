// The wait that keeps Lighthouse runs off a busy machine: /proc/stat parsing, and both outcomes on the live machine.
import { describe, expect, it } from 'vitest';
import { cpuTimes, idleShare, waitForQuietMachine } from './e2e/support/quiet-machine.js';

describe('quiet-machine wait before Lighthouse runs', () => {
  it('reads idle and total ticks from /proc/stat, counting iowait as idle', () => {
    const t = cpuTimes('cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 50 2 25 400 10 1 1 0 0 0\n');
    expect(t).toEqual({ idle: 820, total: 980 });
    expect(idleShare({ idle: 820, total: 980 }, { idle: 900, total: 1080 })).toBeCloseTo(0.8);
    expect(() => cpuTimes('intr 1 2 3\n')).toThrow(/unexpected first line/);
    const live = cpuTimes();
    expect(live.total).toBeGreaterThan(live.idle);
  });

  it('returns at once on a threshold any machine meets, and names the busiest processes when it times out', async () => {
    const met = await waitForQuietMachine({ minIdle: 0, sampleMs: 50 });
    expect(met.quiet).toBe(true);
    expect(met.busiest).toEqual([]);
    const never = await waitForQuietMachine({ minIdle: 1.01, sampleMs: 50, maxWaitMs: 120 });
    expect(never.quiet).toBe(false);
    expect(never.waitedMs).toBeGreaterThanOrEqual(120);
    expect(never.busiest.length).toBeGreaterThan(0);
  });
});
