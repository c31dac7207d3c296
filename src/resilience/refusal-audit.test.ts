import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/clock.js';
import { RefusalAudit } from './refusal-audit.js';

describe('RefusalAudit', () => {
  it('tells a refusal of a client at its limit from one of a client under it, past the ring’s first growth', () => {
    const clock = new ManualClock(0);
    const at = (t: number) => clock.advance(t - clock.now());
    const audit = new RefusalAudit(clock, 60_000);
    const limit = 150; // more than the ring's initial size, so it grows twice
    for (let i = 0; i < limit; i++) {
      at(i);
      audit.record('a', limit, true);
    }
    at(500);
    audit.record('a', limit, false); // 150 requests in the last minute: a correct refusal
    expect(audit.legitimateRefusals).toBe(0);
    at(60_000);
    audit.record('a', limit, false); // the oldest of its last 150 (t=1) is 59,999 ms old: still inside the window
    expect(audit.legitimateRefusals).toBe(0);
    at(200_000);
    audit.record('a', limit, false); // nothing in the last minute: refused while under its limit
    expect(audit.legitimateRefusals).toBe(1);
    for (let i = 0; i < 10; i++) audit.record('b', limit, true);
    audit.record('b', limit, false); // 10 of 150: under its limit
    expect(audit.legitimateRefusals).toBe(2);
    expect(audit.decisions).toBe(limit + 3 + 11);
  });

  it('keeps a busy client’s ring to its requests in the window, not to its limit', () => {
    const clock = new ManualClock(0);
    const audit = new RefusalAudit(clock, 60_000);
    // Ten a second under a limit of a million a minute: 600 requests in any window.
    for (let i = 0; i < 6000; i++) {
      audit.record('busy', 1_000_000, true);
      clock.advance(100);
    }
    expect(audit.ringCapacity('busy')).toBeGreaterThanOrEqual(600);
    expect(audit.ringCapacity('busy')).toBeLessThanOrEqual(1024);
    expect(audit.ringBytes('busy')).toBe(audit.ringCapacity('busy') * 4);
    expect(audit.legitimateRefusals).toBe(0);
  });

  it('still tells refusals apart after the ring has wrapped and then grown', () => {
    const clock = new ManualClock(0);
    const at = (t: number) => clock.advance(t - clock.now());
    const audit = new RefusalAudit(clock, 60_000);
    const limit = 150;
    // One a second for 100 s: the 64-entry ring wraps, reusing entries older than the window.
    for (let i = 0; i < 100; i++) {
      at(i * 1000);
      audit.record('a', limit, true);
    }
    expect(audit.ringCapacity('a')).toBe(64);
    // A burst of 150 within 150 ms: the ring, wrapped, grows to the limit.
    for (let j = 0; j < limit; j++) {
      at(100_000 + j);
      audit.record('a', limit, true);
    }
    expect(audit.ringCapacity('a')).toBe(limit);
    at(159_900);
    audit.record('a', limit, false); // the burst's first request is 59.9 s old: 150 in the window
    expect(audit.legitimateRefusals).toBe(0);
    at(160_100);
    audit.record('a', limit, false); // only the burst's last 49 are inside the window now
    expect(audit.legitimateRefusals).toBe(1);
  });

  // The definition itself, kept whole: a refusal is legitimate-user when fewer than `limit` of the
  // client's earlier decisions lie in the window before it.
  const WINDOW = 60_000;
  const reference = (steps: Array<{ gap: number; allowed: boolean }>, limit: number): number => {
    const times: number[] = [];
    let now = 0;
    let legitimate = 0;
    for (const { gap, allowed } of steps) {
      now += gap;
      if (!allowed && times.filter((t) => now - t < WINDOW).length < limit) legitimate++;
      times.push(now);
    }
    return legitimate;
  };
  const gap = fc.oneof(
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 0, max: 3_000 }),
    fc.integer({ min: 59_000, max: 61_000 }),
    // Past what 4 bytes of milliseconds hold (49.7 days): the ring moves its base.
    fc.integer({ min: 2 ** 32 - 1_000, max: 2 ** 32 + 200_000 }),
  );

  it('agrees with the definition over any run of requests, also across days that overflow a ring’s offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.record({ gap, allowed: fc.boolean() }), { maxLength: 400 }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        (limit, steps, start) => {
          const clock = new ManualClock(start);
          const audit = new RefusalAudit(clock, WINDOW);
          for (const { gap: g, allowed } of steps) {
            clock.advance(g);
            audit.record('c', limit, allowed);
          }
          expect(audit.legitimateRefusals).toBe(reference(steps, limit));
          expect(audit.decisions).toBe(steps.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts requests timed after a clock that stepped back as inside the window, as a later clock reads them', () => {
    const clock = new ManualClock(10 * 86_400_000);
    const audit = new RefusalAudit(clock, WINDOW);
    for (let i = 0; i < 3; i++) audit.record('c', 3, true);
    clock.advance(-3_600_000); // an hour back: past the ring's base
    audit.record('c', 3, false); // its three requests are an hour "ahead": still the last three, inside
    expect(audit.legitimateRefusals).toBe(0);
    clock.advance(3_600_000 + WINDOW);
    audit.record('c', 3, false); // a window after the first three, none of the last three is inside it
    expect(audit.legitimateRefusals).toBe(1);
  });
});
