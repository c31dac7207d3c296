// The missing-component policy every suite's require* helper goes through.
import { describe, expect, it, vi } from 'vitest';
import { optionalComponents, requireComponent } from './support/components.js';

describe('a suite whose component is missing', () => {
  it('runs when the component is there, whatever the opt-out says', () => {
    expect(requireComponent('pg', true, 'x', { DEALERSCOPE_TEST_OPTIONAL: 'pg' })).toBe(true);
  });

  it('fails naming the component, where it looked and the opt-out', () => {
    expect(() => requireComponent('redis', false, 'the server at redis://127.0.0.1:6379', {})).toThrow(
      /Redis is required by this suite but the server at redis:\/\/127\.0\.0\.1:6379 is not available: .*DEALERSCOPE_TEST_OPTIONAL=redis/,
    );
  });

  it('skips only when the run names it (or all) in DEALERSCOPE_TEST_OPTIONAL', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireComponent('pg', false, 'x', { DEALERSCOPE_TEST_OPTIONAL: ' PG , redis' })).toBe(false);
    expect(requireComponent('promtool', false, 'x', { DEALERSCOPE_TEST_OPTIONAL: 'all' })).toBe(false);
    expect(() => requireComponent('chromium', false, 'x', { DEALERSCOPE_TEST_OPTIONAL: 'pg' })).toThrow(/Chromium is required/);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('ignores the opt-out under CI', () => {
    expect(optionalComponents({ CI: 'true', DEALERSCOPE_TEST_OPTIONAL: 'all' }).size).toBe(0);
    expect(() => requireComponent('pg', false, 'x', { CI: 'true', DEALERSCOPE_TEST_OPTIONAL: 'pg' })).toThrow(
      /CI=true requires every component/,
    );
  });
});
