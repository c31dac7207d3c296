// One autocannon run against a URL with a path generator, summarised.
import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  errorRate: number;
}

export interface LoadOptions {
  connections: number;
  durationS?: number;
  amount?: number;
  overallRate?: number;
}

/** Nearest-rank percentile of ascending response times. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function runLoad(base: string, nextPath: () => string, opts: LoadOptions): Promise<LoadResult> {
  // Every response time is kept, so p50/p95/p99 are exact rather than autocannon's fixed set.
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: base,
      connections: opts.connections,
      // autocannon rejects keys that are present but undefined.
      ...(opts.durationS !== undefined ? { duration: opts.durationS } : {}),
      ...(opts.amount !== undefined ? { amount: opts.amount } : {}),
      ...(opts.overallRate !== undefined ? { overallRate: opts.overallRate } : {}),
      timeout: 10,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: nextPath() }) }],
    }, (err, res) => (err ? reject(err) : resolve(res)));
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
