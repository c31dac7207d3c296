// One load run against a URL with a path generator, summarised.
import autocannon from 'autocannon';
import { runH2loadPaced } from './h2load.js';
import { percentile } from './percentile.js';
import { runWrk, WRK_PATH_DRAWS } from './wrk.js';

// What the service's clients send: browsers, fetch and curl --compressed all accept gzip.
export const CLIENT_HEADERS = { 'accept-encoding': 'gzip, deflate' };

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /**
   * Paced runs: p95 of the latencies counted from when h2load sent each request, and how late it
   * sent them (p95, ms, against an even schedule). p95 above counts from the due time, so it holds
   * that lateness too, whichever server answered.
   */
  p95FromSend?: number;
  sendLagP95?: number;
  errors: number;
  non2xx: number;
  errorRate: number;
}

export interface LoadOptions {
  connections: number;
  durationS?: number;
  amount?: number;
  overallRate?: number;
  /** Whether the clients accept gzip (default true, as browsers and fetch do). */
  gzip?: boolean;
  /** Paced runs: receives every latency (ms, from the due time and from the send), ascending, for pooling several runs into one percentile. */
  onTimes?: (times: Float64Array, fromSend: Float64Array) => void;
}

/** Several paced runs of one client summarised as one: pooled latencies, summed requests; h2load's lateness, the worst run's. */
export function pooledLoad(runs: Array<{ result: LoadResult; times: Float64Array; fromSend?: Float64Array }>): LoadResult {
  const all = Float64Array.from(runs.flatMap((r) => [...r.times])).sort();
  const fromSend = runs.every((r) => r.fromSend) ? Float64Array.from(runs.flatMap((r) => [...r.fromSend!])).sort() : null;
  const lags = runs.map((r) => r.result.sendLagP95).filter((l): l is number => l !== undefined);
  const sum = (f: (r: LoadResult) => number) => runs.reduce((a, r) => a + f(r.result), 0);
  const requests = sum((r) => r.requests);
  return {
    requests,
    rps: sum((r) => r.rps) / runs.length,
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    p99: percentile(all, 99),
    ...(fromSend ? { p95FromSend: percentile(fromSend, 95) } : {}),
    ...(lags.length ? { sendLagP95: Math.max(...lags) } : {}),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    errorRate: (sum((r) => r.errors) + sum((r) => r.non2xx)) / Math.max(1, requests + sum((r) => r.errors)),
  };
}

/** `n` paths from the generator; a generator of one path gives one line, not `n` copies. */
function drawPaths(nextPath: () => string, n: number): string[] {
  const first = nextPath();
  const out = [first];
  let same = true;
  for (let i = 1; i < n; i++) {
    const p = nextPath();
    if (p !== first) same = false;
    out.push(p);
    if (i === 999 && same) return [first];
  }
  return out;
}

/**
 * Closed-loop load for a duration with wrk; a fixed number of requests (the stampede) with
 * autocannon, which can open a thousand connections at once and stop at a count; given
 * `overallRate`, open-loop load at that rate with h2load.
 */
export async function runLoad(base: string, nextPath: () => string, opts: LoadOptions): Promise<LoadResult> {
  const gzip = opts.gzip ?? true;
  if (opts.overallRate !== undefined) {
    const durationS = opts.durationS ?? 10;
    const draws = Math.min(WRK_PATH_DRAWS, Math.ceil(opts.overallRate * durationS));
    return runH2loadPaced(base, drawPaths(nextPath, draws), {
      rate: opts.overallRate,
      durationS,
      connections: opts.connections,
      gzip,
      onTimes: opts.onTimes,
    });
  }
  if (opts.amount === undefined) {
    return runWrk(base, drawPaths(nextPath, WRK_PATH_DRAWS), { connections: opts.connections, durationS: opts.durationS ?? 10, gzip });
  }
  // Every response time is kept, so p50/p95/p99 are exact rather than autocannon's fixed set.
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: opts.connections,
        // autocannon rejects keys that are present but undefined.
        ...(opts.durationS !== undefined ? { duration: opts.durationS } : {}),
        ...(opts.amount !== undefined ? { amount: opts.amount } : {}),
        timeout: 10,
        requests: [{ method: 'GET', headers: gzip ? CLIENT_HEADERS : {}, setupRequest: (req) => ({ ...req, path: nextPath() }) }],
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  const sorted = Float64Array.from(times).sort();
  const requests = result.requests.total;
  const failed = result.errors + result.timeouts;
  return {
    requests,
    rps: requests / result.duration,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors: failed,
    non2xx: result.non2xx,
    errorRate: (failed + result.non2xx) / Math.max(1, requests + failed),
  };
}
