// Circuit breakers: detection under load, minimum throughput, half-open probes, the flag switch,
// false-positive judgement, metrics and readiness. cockatiel reads Date.now internally, so time
// is driven with vitest's fake timers and the registry's clock reads the same faked Date.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../src/observability/metrics.js';
import { SIGNALS, Signals } from '../src/observability/signals.js';
import { Readiness } from '../src/common/readiness.js';
import { BreakerRegistry, CircuitOpenError, type Breaker } from '../src/resilience/breakers.js';
import type { Clock } from '../src/common/clock.js';

const fakeTimerClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

function flagsWith(values: { breakers: boolean }) {
  return { get: (name: string) => (name === 'ENABLE_CIRCUIT_BREAKERS' ? values.breakers : false) } as never;
}

const down = () => Promise.reject(new Error('connection refused'));
const up = () => Promise.resolve('ok');

/** Calls the breaker every `intervalMs` with `fn` until it opens or `maxMs` passes; returns the elapsed ms or null. */
async function driveUntilOpen(b: Breaker, fn: () => Promise<unknown>, intervalMs: number, maxMs: number): Promise<number | null> {
  const start = Date.now();
  while (Date.now() - start <= maxMs) {
    await b.execute(fn).catch(() => {});
    if (b.state() === 'open') return Date.now() - start;
    await vi.advanceTimersByTimeAsync(intervalMs);
  }
  return null;
}

describe('circuit breakers', () => {
  let flags: { breakers: boolean };
  let registry: BreakerRegistry;
  let metrics: ReturnType<typeof createMetrics>;
  let readiness: Readiness;
  let signals: Signals;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    flags = { breakers: true };
    metrics = createMetrics({ defaultMetrics: false });
    readiness = new Readiness();
    signals = new Signals();
    registry = new BreakerRegistry({
      flags: flagsWith(flags),
      clock: fakeTimerClock,
      metrics,
      readiness,
      signals,
      settings: { halfOpenAfterMs: 3000 },
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens within 1 s of a dependency failing at 20 req/s and reports the detection time', async () => {
    const b = registry.get('database');
    // A healthy second first, so the window holds successes when the outage starts.
    for (let i = 0; i < 20; i++) {
      await b.execute(up);
      await vi.advanceTimersByTimeAsync(50);
    }
    const elapsed = await driveUntilOpen(b, down, 50, 5000);
    expect(elapsed).not.toBeNull();
    expect(elapsed!).toBeLessThan(1000);
    expect(b.stats.opens).toBe(1);
    expect(b.stats.lastDetectionMs).toBe(elapsed);
    expect(signals.read(SIGNALS.breakerDetectionSeconds)).toBe(elapsed! / 1000);
  });

  it('does not open on failures below the minimum throughput', async () => {
    const b = registry.get('redis');
    // 2 failing calls a second for 10 s: every call fails, but the traffic is too thin to judge.
    const elapsed = await driveUntilOpen(b, down, 500, 10_000);
    expect(elapsed).toBeNull();
    expect(b.state()).toBe('closed');
  });

  it('opens a low-rate source breaker after consecutive failures, and a success resets the run', async () => {
    const b = registry.get('source:govdeals');
    const call = async (fn: () => Promise<unknown>) => {
      await b.execute(fn).catch(() => {});
      await vi.advanceTimersByTimeAsync(5000);
    };
    // One request every 5 s, far below any sampling threshold.
    for (let i = 0; i < 4; i++) await call(down);
    await call(up);
    for (let i = 0; i < 4; i++) await call(down);
    expect(b.state()).toBe('closed');
    await b.execute(down).catch(() => {});
    expect(b.state()).toBe('open');
    await expect(b.execute(up)).rejects.toMatchObject({ statusCode: 503 });
  });

  it('refuses with a 503 CircuitOpenError carrying Retry-After while open, without calling the dependency', async () => {
    const b = registry.get('redis');
    await driveUntilOpen(b, down, 20, 5000);
    let calls = 0;
    const err = await b
      .execute(async () => {
        calls++;
        return 1;
      })
      .catch((e) => e);
    expect(calls).toBe(0);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err.statusCode).toBe(503);
    const retry = Number(err.headers['Retry-After']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(3);
  });

  it('lets one trial through after the open delay: success closes, failure re-opens', async () => {
    const b = registry.get('webhook:alerts');
    await driveUntilOpen(b, down, 20, 5000);
    await vi.advanceTimersByTimeAsync(3000);
    // The trial fails: open again, and that is not a new detection.
    await expect(b.execute(down)).rejects.toThrow('connection refused');
    expect(b.state()).toBe('open');
    expect(b.stats.opens).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    // While the trial is in flight, other calls are refused: the state is half-open.
    let release!: () => void;
    const trial = b.execute(
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve('ok');
        }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(b.state()).toBe('half-open');
    await expect(b.execute(up)).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await expect(trial).resolves.toBe('ok');
    expect(b.state()).toBe('closed');
    await expect(b.execute(up)).resolves.toBe('ok');
  });

  it('runs calls directly when ENABLE_CIRCUIT_BREAKERS is off, read per call', async () => {
    const b = registry.get('database');
    await driveUntilOpen(b, down, 20, 5000);
    flags.breakers = false;
    expect(b.state()).toBe('closed');
    await expect(b.execute(up)).resolves.toBe('ok');
    flags.breakers = true;
    await expect(b.execute(up)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('does not count client errors against the dependency', async () => {
    const { ApiError } = await import('../src/common/errors.js');
    const b = registry.get('database');
    const notFound = () => Promise.reject(new ApiError(404, 'not_found', 'nope'));
    expect(await driveUntilOpen(b, notFound, 20, 3000)).toBeNull();
  });

  it('judges an open a false positive when the independent probe answers, and publishes the ratio', async () => {
    let probeUp = true;
    const a = registry.get('source:a', {
      probe: async () => {
        if (!probeUp) throw new Error('probe down');
      },
    });
    const c = registry.get('source:c', {
      probe: async () => {
        throw new Error('probe down');
      },
    });
    expect(signals.read(SIGNALS.breakerFalsePositiveRatio)).toBeNull();
    await driveUntilOpen(a, down, 20, 5000);
    await a.lastJudgement;
    expect(a.stats.falsePositives).toBe(1);
    await driveUntilOpen(c, down, 20, 5000);
    await c.lastJudgement;
    expect(c.stats.falsePositives).toBe(0);
    expect(signals.read(SIGNALS.breakerFalsePositiveRatio)).toBe(0.5);
    probeUp = false;
  });

  it('reports each state in metrics and readiness', async () => {
    const a = registry.get('database');
    registry.get('redis');
    await driveUntilOpen(a, down, 20, 5000);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/dealerscope_circuit_breaker_state\{breaker="database"\} 2/);
    expect(text).toMatch(/dealerscope_circuit_breaker_state\{breaker="redis"\} 0/);
    expect(text).toMatch(/dealerscope_circuit_breaker_opens_total\{breaker="database"\} 1/);
    const report = await readiness.report();
    expect(report.components.circuit_breakers).toEqual({ status: 'degraded', detail: { database: 'open', redis: 'closed' } });
    expect(report.ready).toBe(true);
  });
});
