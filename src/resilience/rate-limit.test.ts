import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, MAX_RATE_LIMIT_PER_MINUTE, rateLimitPerMinute } from './rate-limit.js';

describe('RATE_LIMIT_PER_MINUTE', () => {
  it('defaults to 100 a minute', () => {
    expect(rateLimitPerMinute({})).toBe(DEFAULT_RATE_LIMIT_PER_MINUTE);
    expect(DEFAULT_RATE_LIMIT_PER_MINUTE).toBe(100);
  });

  it('accepts a limit a load test on loopback cannot reach, and refuses one above the ceiling by name', () => {
    // One wrk client here sends 60 k requests a second: 3.6 million a minute.
    expect(MAX_RATE_LIMIT_PER_MINUTE).toBeGreaterThan(60_000 * 60 * 10);
    expect(rateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: String(MAX_RATE_LIMIT_PER_MINUTE) })).toBe(MAX_RATE_LIMIT_PER_MINUTE);
    expect(() => rateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: String(MAX_RATE_LIMIT_PER_MINUTE + 1) })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => rateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});
