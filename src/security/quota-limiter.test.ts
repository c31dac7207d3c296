import { describe, expect, it } from 'vitest';
import { MemoryWindows, QuotaLimiter } from './quota-limiter.js';

describe('in-memory quota windows', () => {
  it('allows `points` per window, refuses the rest with the time to the window end, and opens a new window after it', () => {
    let now = 1_000_000;
    const w = new MemoryWindows(3, 60_000, () => now);
    expect(w.consume('ip:a')).toEqual({ allowed: true, limit: 3, remaining: 2, resetMs: 60_000 });
    now += 10_000;
    expect(w.consume('ip:a').remaining).toBe(1);
    expect(w.consume('ip:a').remaining).toBe(0);
    const refused = w.consume('ip:a');
    expect(refused).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: 50_000 });
    // Another client has its own window.
    expect(w.consume('ip:b').allowed).toBe(true);
    now += 50_000;
    expect(w.consume('ip:a')).toEqual({ allowed: true, limit: 3, remaining: 2, resetMs: 60_000 });
  });

  it('gives back a refunded point within the window only', () => {
    let now = 0;
    const w = new MemoryWindows(1, 1000, () => now);
    w.consume('k');
    w.refund('k');
    expect(w.consume('k').allowed).toBe(true);
    expect(w.consume('k').allowed).toBe(false);
    now = 1000;
    w.refund('k');
    expect(w.consume('k').remaining).toBe(0);
  });

  it('drops ended windows, so idle clients do not accumulate', () => {
    let now = 0;
    const w = new MemoryWindows(5, 1000, () => now);
    for (let i = 0; i < 100; i++) w.consume(`ip:${i}`);
    expect(w.size).toBe(100);
    now = 1500;
    w.consume('ip:new');
    expect(w.size).toBe(1);
  });

  it('answers synchronously without Redis, through the same counts as consume()', async () => {
    const limiter = new QuotaLimiter({ redis: null, keyPrefix: 't:', points: 2, durationSec: 60 });
    expect(limiter.consumeNow('x')?.remaining).toBe(1);
    expect((await limiter.consume('x')).remaining).toBe(0);
    expect(limiter.consumeNow('x')?.allowed).toBe(false);
  });
});
