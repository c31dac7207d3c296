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
});
