// The benchmark's steadiness guard: bare Fastify run twice on the same paths is the same work,
// so how far apart its rates land says how much the machine's speed moved under the run. And the
// half-peak p95 verdict, held from the due time and from the send.
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

function result(bareSpread: number, paced?: { service: Partial<Measured>; bare: Partial<Measured> }): DialectResult {
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
    halfRate: { rate: 5000, service: { ...half, ...paced?.service }, bare: { ...half, ...paced?.bare } },
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

describe('the steadiness verdict of results written before pairs were kept', () => {
  const steadiness = (spread: number) => verdicts([result(spread)], {}).find((v) => v.target.startsWith('bare Fastify steady'));

  it('passes a run whose bare runs agree within 15 % and names how far apart they were', () => {
    expect(steadiness(0.08)).toMatchObject({ met: true, measured: '8.0 % apart (widest pair)' });
    expect(steadiness(0.15)?.met).toBe(true);
  });

  it('fails a run whose bare runs landed further apart: its ratios measured the machine', () => {
    expect(steadiness(0.433)).toMatchObject({ met: false, measured: '43.3 % apart (widest pair)' });
  });
});

describe('the cached ÷ bare verdicts, judged on the lowest back-to-back pair', () => {
  const judged = (gzip: number[], plain: number[], summed = { gzip: 0.7, plain: 0.7 }, spread = 0.3) => {
    const r = { ...result(spread), cachedVsBare: summed.gzip, cachedVsBarePlain: summed.plain, cachedVsBarePairs: { gzip, plain } };
    const all = verdicts([r], {});
    return {
      gzip: all.find((v) => v.target.startsWith('cached ≥ 60 %')),
      plain: all.find((v) => v.target.startsWith('cached ≥ 50 %')),
      steadiness: all.find((v) => v.target.startsWith('bare Fastify steady')),
    };
  };

  it('meets a target only when every pair does, whatever the summed ratio', () => {
    const v = judged([0.72, 0.65, 0.61], [0.55, 0.49, 0.6], { gzip: 0.66, plain: 0.55 });
    expect(v.gzip).toMatchObject({ met: true });
    expect(v.gzip?.measured).toBe("lowest pair 61.0 % (pairs 72.0 %, 65.0 %, 61.0 %; summed 66.0 %; bare's runs 30.0 % apart)");
    // The summed plain ratio is above 50 %, but one pair was not.
    expect(v.plain).toMatchObject({ met: false });
    expect(v.plain?.measured).toContain('lowest pair 49.0 %');
  });

  it('does not gate pairs on bare Fastify moving between pairs: each pair is of its own minute', () => {
    const v = judged([0.7, 0.7, 0.7], [0.6, 0.6, 0.6], undefined, 0.4);
    expect(v.gzip?.met).toBe(true);
    expect(v.plain?.met).toBe(true);
    expect(v.steadiness).toBeUndefined();
  });

  it('fails a result with no pairs kept for a coding', () => {
    expect(judged([], [0.6]).gzip).toMatchObject({ met: false });
  });
});

describe('the half-peak p95 verdict', () => {
  const halfRate = (service: Partial<Measured>, bare: Partial<Measured>) =>
    verdicts([result(0.05, { service, bare })], {}).find((v) => v.target.startsWith('p95 ≤ 2 × bare'));

  it('holds both ratios to the target: from the due time and from the send', () => {
    const met = halfRate({ p95: 9, p95FromSend: 4.5, sendLagP95: 5.6 }, { p95: 8, p95FromSend: 3.4, sendLagP95: 5.5 });
    expect(met).toMatchObject({ met: true });
    expect(met?.measured).toContain('(1.13 ×)');
    expect(met?.measured).toContain('from the send 4.5 vs 3.4 ms (1.32 ×), h2load sending up to 5.6 ms late (p95)');
  });

  it('fails a service whose own latency is past twice that of bare Fastify, though the sender lateness hides it from the due time', () => {
    // 6 ms of h2load's lateness on both sides: 14 against 8 ms is 1.75 ×, 8 against 2 ms is 4 ×.
    const v = halfRate({ p95: 14, p95FromSend: 8, sendLagP95: 6 }, { p95: 8, p95FromSend: 2, sendLagP95: 6 });
    expect(v).toMatchObject({ met: false });
    expect(v?.measured).toContain('(4.00 ×)');
  });

  it('fails a stall that only the due time shows', () => {
    expect(halfRate({ p95: 40, p95FromSend: 4, sendLagP95: 30 }, { p95: 8, p95FromSend: 3.5, sendLagP95: 5 })).toMatchObject({
      met: false,
    });
  });

  it('judges results written before the send was timed on the due time alone', () => {
    const v = halfRate({ p95: 9 }, { p95: 8 });
    expect(v).toMatchObject({ met: true });
    expect(v?.measured).not.toContain('from the send');
  });
});
