// Load over several replicas at once for the cluster benchmark: one autocannon instance per
// replica, the connections split evenly between them, all drawing paths from one shared
// generator, so the requests are dealt across the replicas like a round-robin balancer would.
// Every response time of every instance is kept, so the p50/p95/p99 are exact for the whole
// cluster (not a mean of per-replica percentiles).
import autocannon from 'autocannon';
import { percentile } from './percentile.js';

export interface ClusterLoadResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  perReplicaRequests: number[];
}

export async function clusterLoad(
  bases: string[],
  nextPath: () => string,
  opts: { connections: number; durationS: number },
): Promise<ClusterLoadResult> {
  const times: number[] = [];
  const per = Math.max(1, Math.floor(opts.connections / bases.length));
  const started = performance.now();
  const results = await Promise.all(
    bases.map(
      (url) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          const instance = autocannon(
            {
              url,
              connections: per,
              duration: opts.durationS,
              timeout: 10,
              requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: nextPath() }) }],
            },
            (err, res) => (err ? reject(err as Error) : resolve(res)),
          );
          instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(times).sort();
  const requests = results.reduce((a, r) => a + r.requests.total, 0);
  return {
    requests,
    rps: requests / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors: results.reduce((a, r) => a + r.errors + r.timeouts, 0),
    non2xx: results.reduce((a, r) => a + r.non2xx, 0),
    perReplicaRequests: results.map((r) => r.requests.total),
  };
}
