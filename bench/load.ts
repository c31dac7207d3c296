// One load run against a URL with a path generator, summarised.
import http from 'node:http';
import autocannon from 'autocannon';
import { runWrk, WRK_PATH_DRAWS } from './wrk.js';

// What the service's clients send: browsers, fetch and curl --compressed all accept gzip.
export const CLIENT_HEADERS = { 'accept-encoding': 'gzip, deflate' };

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
  /** Whether the clients accept gzip (default true, as browsers and fetch do). */
  gzip?: boolean;
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

/** Nearest-rank percentile of ascending response times. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Closed-loop load for a duration with wrk; a fixed number of requests (the stampede) with
 * autocannon, which can open a thousand connections at once and stop at a count; given
 * `overallRate`, paced open-loop load.
 */
export async function runLoad(base: string, nextPath: () => string, opts: LoadOptions): Promise<LoadResult> {
  const gzip = opts.gzip ?? true;
  if (opts.overallRate !== undefined) {
    return runPacedLoad(base, nextPath, { rate: opts.overallRate, durationS: opts.durationS ?? 10, connections: opts.connections, gzip });
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

export interface PacedOptions {
  /** Requests per second, sent at even intervals whatever the responses do (open loop). */
  rate: number;
  durationS: number;
  /** Keep-alive sockets; a request due while all are busy waits, and that wait counts. */
  connections: number;
  gzip?: boolean;
  /** Sent with every request (a dealer's X-API-Key). */
  headers?: Record<string, string>;
  /** Receives every request's latency (ms), for pooling several runs into one percentile. */
  onTimes?: (times: Float64Array) => void;
}

/**
 * Open-loop load at an even rate. autocannon's rate option refills a per-second budget that its
 * connections then spend as fast as they can, so "half of peak" arrived as a burst at full speed
 * followed by silence, and measured the burst. Here request i is due at start + i / rate and its
 * latency is counted from that moment, so time spent queued behind a slow response is included
 * (no coordinated omission).
 */
export async function runPacedLoad(base: string, nextPath: () => string, opts: PacedOptions): Promise<LoadResult> {
  const target = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const total = Math.max(1, Math.round(opts.rate * opts.durationS));
  const interval = 1000 / opts.rate;
  const times = new Float64Array(total);
  let sent = 0;
  let done = 0;
  let errors = 0;
  let non2xx = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const finish = () => {
      if (++done === total) resolve();
    };
    const fire = (i: number, due: number) => {
      const req = http.get(
        {
          host: target.hostname,
          port: target.port,
          path: nextPath(),
          agent,
          headers: { ...(opts.gzip === false ? {} : CLIENT_HEADERS), ...opts.headers },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            times[i] = performance.now() - due;
            if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
            finish();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        times[i] = performance.now() - due;
        errors++;
        finish();
      });
    };
    // A 1 ms tick sends everything that has come due, so timer jitter never turns into bursts
    // larger than a millisecond's worth of requests.
    const tick = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        fire(sent, start + sent * interval);
        sent++;
      }
      if (sent === total) clearInterval(tick);
    }, 1);
  });
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = times.slice().sort();
  opts.onTimes?.(sorted);
  return {
    requests: total - errors,
    rps: total / elapsed,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors,
    non2xx,
    errorRate: (errors + non2xx) / total,
  };
}
