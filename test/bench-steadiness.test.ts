// The benchmark's steadiness guard: bare Fastify run twice on the same paths is the same work,
// so how far apart its rates land says how much the machine's speed moved under the run.
import { describe, expect, it } from 'vitest';
import { runSpread } from '../bench/measure.js';
import type { DialectResult } from '../bench/dialect-run.js';
import type { Measured } from '../bench/measure.js';
import { verdicts } from '../bench/report.js';

describe('runSpread', () => {
  it('is the gap between the fastest and slowest run over the fastest', () => {
    expect(runSpread([33_850, 19_175])).toBeCloseTo(14_675 / 33_850, 10);
    expect(runSpread([19_175, 33_850])).toBeCloseTo(14_675 / 33_850, 10);
    expect(runSpread([100, 90, 95])).toBeCloseTo(0.1, 10);
  });

  it('is 0 for runs that agree, a single run or none', () => {
    expect(runSpread([5000, 5000])).toBe(0);
    expect(runSpread([5000])).toBe(0);
    expect(runSpread([])).toBe(0);
  });
});

const run = (name: string, rps: number): Measured => ({
  name,
  requests: rps * 6,
  rps,
  p50: 1,
  p95: 2,
  p99: 3,
  errors: 0,
  non2xx: 0,
  errorRate: 0,
  hitRate: null,
  rssMb: 60,
  dbQueries: 0,
  cacheLoads: 0,
  loadReasons: {},
  cpuPerRequestUs: 30,
  serverCores: 0.95,
  replayedShare: null,
});

function result(bareSpread: number): DialectResult {
  const half = run('paced', 5000);
  return {
    dialect: 'sqlite',
    rows: 1000,
    seedSeconds: 1,
    runs: [],
    cachedVsBare: 0.5,
    cachedVsBarePlain: 0.5,
    bareCores: 0.95,
    bareSpread,
    halfRate: { rate: 5000, service: half, bare: half },
    halfPeak: half,
    stampede: [],
    deep: {
      depth: 1000,
      limit: 50,
      cursorPage1: half,
      cursorDeep: half,
      offsetPage1: half,
      offsetDeep: half,
      cursorRatio: 1,
      offsetRatio: 2,
    },
    redis: null,
    peakRssMb: 80,
  };
}

describe('the steadiness verdict', () => {
  const steadiness = (spread: number) => verdicts([result(spread)], {}).find((v) => v.target.startsWith('bare Fastify steady'));

  it('passes a run whose bare runs agree within 15 % and names how far apart they were', () => {
    expect(steadiness(0.08)).toMatchObject({ met: true, measured: '8.0 % apart (widest pair)' });
    expect(steadiness(0.15)?.met).toBe(true);
  });

  it('fails a run whose bare runs landed further apart: its ratios measured the machine', () => {
    expect(steadiness(0.433)).toMatchObject({ met: false, measured: '43.3 % apart (widest pair)' });
  });
});
