// The benchmark's paced pair is measured again when h2load itself sent late (bench/on-time.ts):
// a pair taken while the machine stalled the generator judges the machine, not the service.
import { describe, expect, it } from 'vitest';
import { MAX_SEND_LAG_MS, untilOnTime } from '../bench/on-time.js';

/** A measurement whose generator lateness is the next of `lags`, one per call. */
function measurements(lags: number[]) {
  let calls = 0;
  return {
    measure: async () => ({ call: ++calls, lag: lags[calls - 1]! }),
    calls: () => calls,
  };
}

describe('untilOnTime', () => {
  it('keeps the first measurement when the generator kept its schedule', async () => {
    const m = measurements([2.9]);
    const r = await untilOnTime(m.measure, (x) => x.lag);
    expect(r).toEqual({ result: { call: 1, lag: 2.9 }, attempts: 1, setAsideLagsMs: [] });
    expect(m.calls()).toBe(1);
  });

  it('measures again after a late one, and says which lateness it set aside', async () => {
    const m = measurements([91.2, 7.1]);
    const late: Array<[number, number]> = [];
    const r = await untilOnTime(m.measure, (x) => x.lag, { onLate: (lag, attempt) => late.push([lag, attempt]) });
    expect(r.result.call).toBe(2);
    expect(r.attempts).toBe(2);
    expect(r.setAsideLagsMs).toEqual([91.2]);
    expect(late).toEqual([[91.2, 1]]);
  });

  it('stops at the bound and lets the last stand, late or not', async () => {
    const m = measurements([258.6, 40, 12, 1]);
    const r = await untilOnTime(m.measure, (x) => x.lag, { attempts: 3 });
    expect(m.calls()).toBe(3);
    expect(r.result.lag).toBe(12);
    expect(r.setAsideLagsMs).toEqual([258.6, 40]);
  });

  it('judges against the bound inclusively, MAX_SEND_LAG_MS unless told otherwise', async () => {
    const atBound = measurements([MAX_SEND_LAG_MS, 0]);
    expect((await untilOnTime(atBound.measure, (x) => x.lag)).attempts).toBe(1);
    const over = measurements([MAX_SEND_LAG_MS + 0.1, 0]);
    expect((await untilOnTime(over.measure, (x) => x.lag)).attempts).toBe(2);
    const custom = measurements([3, 0]);
    expect((await untilOnTime(custom.measure, (x) => x.lag, { maxLagMs: 2 })).attempts).toBe(2);
  });

  it('refuses a bound of attempts that is not a positive whole number', async () => {
    await expect(
      untilOnTime(
        async () => 0,
        () => 0,
        { attempts: 0 },
      ),
    ).rejects.toThrow(/attempts must be a positive integer, got 0/);
  });
});
