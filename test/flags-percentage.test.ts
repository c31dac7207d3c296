// Percentage rollouts in the flag service: the bucket hash spreads clients evenly and never moves
// one back out of the treatment as P grows; evaluation per request, outside requests, under the
// kill switch; and the per-cohort windows stay bounded however long traffic runs.
import { describe, expect, it } from 'vitest';
import { FlagService } from '../src/flags/flag-service.js';
import { cohortBucket, cohortOf, parsePercentageRollout, runWithCohorts, type CohortContext } from '../src/flags/percentage.js';
import { coerceOverrideValue } from '../src/flags/registry.js';
import { CohortWindows, quantileOf } from '../src/rollout/canary/windows.js';

describe('cohort buckets', () => {
  it('spread 100,000 sequential client addresses evenly over 0–99 (chi-square, 99 df)', () => {
    const counts = new Array<number>(100).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[cohortBucket('ENABLE_PRODUCTION_CACHE', `ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)]!++;
    const expected = n / 100;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: the 0.999 quantile is 148.2; a biased hash lands far above it.
    expect(chi2).toBeLessThan(148.2);
  });

  it("differ between flags, so one flag's 10 % are not another's", () => {
    let same = 0;
    for (let i = 0; i < 2000; i++) {
      const key = `key:k${i}`;
      if (
        cohortBucket('ENABLE_PRODUCTION_CACHE', key) < 10 === cohortBucket('ENABLE_SINGLE_FLIGHT', key) < 10 &&
        cohortBucket('ENABLE_PRODUCTION_CACHE', key) < 10
      )
        same++;
    }
    // Independent 10 % cohorts overlap in about 1 % of clients (20 of 2000).
    expect(same).toBeLessThan(50);
  });

  it('only add clients as P grows', () => {
    for (let i = 0; i < 500; i++) {
      const keys = { apiKey: null, ip: `192.168.${i >> 8}.${i & 255}` };
      let was = false;
      for (let p = 0; p <= 100; p += 5) {
        const now = cohortOf('ENABLE_TTL_JITTER', { percentage: p }, keys) === 'treatment';
        if (was) expect(now).toBe(true);
        was = now;
      }
      expect(was).toBe(true);
    }
  });

  it('use the API key unless stickiness says ip', () => {
    const keys = { apiKey: 'dealer-key-1', ip: '10.0.0.1' };
    expect(cohortOf('F', { percentage: 50 }, keys)).toBe(cohortBucket('F', 'key:dealer-key-1') < 50 ? 'treatment' : 'control');
    expect(cohortOf('F', { percentage: 50, stickiness: 'ip' }, keys)).toBe(cohortBucket('F', 'ip:10.0.0.1') < 50 ? 'treatment' : 'control');
    expect(cohortOf('F', { percentage: 50, stickiness: 'apiKey' }, { apiKey: null, ip: '10.0.0.1' })).toBe(
      cohortBucket('F', 'ip:10.0.0.1') < 50 ? 'treatment' : 'control',
    );
  });
});

describe('percentage values', () => {
  it('are checked field by field', () => {
    expect(parsePercentageRollout('F', { percentage: 12.5 })).toMatchObject({ ok: false });
    expect(parsePercentageRollout('F', { percentage: 10, extra: 1 })).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown field extra'),
    });
    expect(parsePercentageRollout('F', { percentage: 0 })).toEqual({ ok: true, value: { percentage: 0 } });
    expect(coerceOverrideValue('CACHE_PROVIDER', { percentage: 5 })).toMatchObject({ ok: false });
    expect(coerceOverrideValue('ENABLE_BROWSER_POOL', { percentage: 5, stickiness: 'ip' })).toEqual({
      ok: true,
      value: { percentage: 5, stickiness: 'ip' },
    });
  });
});

describe('the flag service with a percentage override', () => {
  const ctx = (ip: string): CohortContext => ({ apiKey: null, ip, cohorts: new Map() });

  it("answers per request, keeps a request's cohort when P changes under it, and records the cohort", () => {
    const flags = new FlagService({ env: 'development' });
    flags.setOverrides({ ENABLE_PRODUCTION_CACHE: { percentage: 30 } });
    expect(flags.snapshot().percentages.ENABLE_PRODUCTION_CACHE).toEqual({ percentage: 30 });
    // The whole-service view: on, since part of the traffic has it.
    expect(flags.snapshot().flags.ENABLE_PRODUCTION_CACHE).toBe(true);
    let treated = 0;
    for (let i = 0; i < 1000; i++) {
      const c = ctx(`10.1.${i >> 8}.${i & 255}`);
      const first = runWithCohorts(c, () => flags.get('ENABLE_PRODUCTION_CACHE'));
      if (first) treated++;
      expect(c.cohorts.get('ENABLE_PRODUCTION_CACHE')).toBe(first ? 'treatment' : 'control');
    }
    expect(treated).toBeGreaterThan(240);
    expect(treated).toBeLessThan(360);
    const c = ctx('10.9.9.9');
    const before = runWithCohorts(c, () => flags.get('ENABLE_PRODUCTION_CACHE'));
    flags.setOverrides({ ENABLE_PRODUCTION_CACHE: { percentage: before ? 0 : 100 } });
    expect(runWithCohorts(c, () => flags.get('ENABLE_PRODUCTION_CACHE'))).toBe(before);
  });

  it('outside a request gives the treatment only at 100 %, and the kill switch removes every v5 rollout', () => {
    const flags = new FlagService({ env: 'development' });
    flags.setOverrides({ ENABLE_PRODUCTION_CACHE: { percentage: 99 } });
    expect(flags.get('ENABLE_PRODUCTION_CACHE')).toBe(false);
    flags.setOverrides({ ENABLE_PRODUCTION_CACHE: { percentage: 100 } });
    expect(flags.get('ENABLE_PRODUCTION_CACHE')).toBe(true);
    flags.setOverrides({ ENABLE_PRODUCTION_CACHE: { percentage: 100 }, EMERGENCY_ROLLBACK: true });
    expect(flags.snapshot().percentages).toEqual({});
    expect(runWithCohorts(ctx('10.0.0.1'), () => flags.get('ENABLE_PRODUCTION_CACHE'))).toBe(false);
  });
});

describe('cohort windows', () => {
  it('stay bounded over an hour of traffic and forget what is older than their retention', () => {
    const w = new CohortWindows({ retainMs: 60_000, bucketMs: 5000 });
    let sizeAfterMinute = 0;
    for (let t = 0; t < 3_600_000; t += 50) {
      w.record('F', t % 100 === 0 ? 'treatment' : 'control', t, 1 + (t % 997), t % 333 === 0);
      if (t === 120_000) sizeAfterMinute = w.size();
    }
    // Retention, not traffic, sets the size: 13 buckets per cohort at most.
    expect(w.size()).toBeLessThanOrEqual(sizeAfterMinute * 1.2);
    expect(w.read('F', 'control', 3_600_000, 3_600_000).requests).toBeLessThanOrEqual((65_000 / 50) * 1.1);
    const recent = w.read('F', 'control', 3_599_950, 30_000);
    expect(recent.requests).toBeGreaterThan(0);
    expect(quantileOf(recent, 0.5)).toBeGreaterThan(0);
  });

  it('read a step from its start only', () => {
    const w = new CohortWindows({ retainMs: 600_000, bucketMs: 5000 });
    for (let t = 0; t < 100_000; t += 100) w.record('F', 'treatment', t, 10, false);
    expect(w.read('F', 'treatment', 99_999, 600_000).requests).toBe(1000);
    expect(w.read('F', 'treatment', 99_999, 600_000, 50_000).requests).toBe(500);
    // A step that began inside a bucket starts at the next one: the bucket it began in holds
    // requests split by the previous percentage.
    expect(w.read('F', 'treatment', 99_999, 600_000, 52_000).requests).toBe(450);
  });
});
