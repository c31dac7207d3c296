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
});
