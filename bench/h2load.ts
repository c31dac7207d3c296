// Open-loop load at a fixed rate with h2load (nghttp2's load generator, Debian's nghttp2-client),
// one thread, HTTP/1.1, C keep-alive connections each sending rate ÷ C requests a second.
//
// The paced runs were driven by a Node http client in the benchmark's own process. At half the
// cached service's peak (14,000 req/s on the development machine) that client needed 0.82 of a
// core, so with the service on the other core the two-core machine was saturated and the run
// measured the client: the service's paced run reached 10,606 req/s of the 14,000 asked, p50
// 1.2 s, while bare Fastify (cheaper, so the machine kept up) got p95 5 ms. h2load sends the same
// rate for 0.28 of a core.
//
// h2load sends each request when it falls due, but a request due while its connection still
// waits for a response goes out when the response arrives, and its latency is timed from then:
// a 400 ms stall would show only in the few requests caught in it. So each latency is counted from
// the moment the request was due (the j-th request sent, at the first send + j ÷ rate), when that
// is earlier than the send, as the earlier paced client counted it (no coordinated omission).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load.js';
import { percentile } from './percentile.js';

export const H2LOAD = process.env.BENCH_H2LOAD ?? '/usr/bin/h2load';

export interface PacedRunOptions {
  /** Requests per second over all connections. */
  rate: number;
  durationS: number;
  connections: number;
  gzip: boolean;
  /** Sent with every request (a dealer's X-API-Key). */
  headers?: Record<string, string>;
  /**
   * Receives every latency in ms, ascending, for pooling runs into one percentile: from when its
   * request was due, and from when h2load sent it.
   */
  onTimes?: (times: Float64Array, fromSend: Float64Array) => void;
}

/** Throws, saying how to install it, when h2load is missing: callers check before minutes of seeding. */
export function requireH2load(): void {
  if (!existsSync(H2LOAD)) {
    throw new Error(
      `h2load not found at ${H2LOAD}: install it (Debian/Ubuntu: apt-get install nghttp2-client) or point BENCH_H2LOAD at it`,
    );
  }
}

/** One logged request: when h2load sent it and how long the response took, both in ms. */
export interface SentRequest {
  sentMs: number;
  latencyMs: number;
}

/** Each request's latency from when it was due at `rate` a second (or from its send, if later), ascending. */
export function scheduledLatencies(sent: SentRequest[], rate: number): Float64Array {
  const bySend = [...sent].sort((a, b) => a.sentMs - b.sentMs);
  const first = bySend[0]?.sentMs ?? 0;
  const interval = 1000 / rate;
  return Float64Array.from(bySend, (r, j) => Math.max(r.latencyMs, r.sentMs + r.latencyMs - (first + j * interval))).sort();
}

/**
 * How late h2load itself sent the requests, in ms, ascending: each send against the j-th instant
 * of an even schedule at `rate` a second. h2load paces each connection on its own timer, and the
 * timers of connections opened together fire together, so it sends in bursts (one every ~10 ms
 * at 10,000 a second over 50 connections). A request sent in a burst after its instant is counted
 * late by the scheduled latency above, whichever server answers it.
 */
export function sendLags(sent: SentRequest[], rate: number): Float64Array {
  const bySend = sent.map((r) => r.sentMs).sort((a, b) => a - b);
  const first = bySend[0] ?? 0;
  const interval = 1000 / rate;
  return Float64Array.from(bySend, (t, j) => t - (first + j * interval)).sort();
}

/** Sends `paths` (cycled) to `base` at `rate` for `durationS` with h2load. */
export async function runH2loadPaced(base: string, paths: string[], opts: PacedRunOptions): Promise<LoadResult & { asked: number }> {
  requireH2load();
  const connections = Math.max(1, Math.min(opts.connections, Math.floor(opts.rate)));
  const perConnection = opts.rate / connections;
  const dir = mkdtempSync(join(tmpdir(), 'ds-h2load-'));
  try {
    const origin = new URL(base).origin;
    writeFileSync(join(dir, 'uris.txt'), `${paths.map((p) => origin + p).join('\n')}\n`);
    const headers = { ...(opts.gzip ? { 'accept-encoding': 'gzip, deflate' } : {}), ...opts.headers };
    const args = [
      '--h1',
      '-t1',
      `-c${connections}`,
      `--rps=${perConnection.toFixed(3)}`,
      `-D${Math.round(opts.durationS * 1000)}ms`,
      ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
      `--log-file=${join(dir, 'requests.tsv')}`,
      '-i',
      join(dir, 'uris.txt'),
    ];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(H2LOAD, args, { maxBuffer: 1 << 20 }, (err, out, errOut) =>
        err ? reject(new Error(`h2load failed: ${err.message} ${errOut}`)) : resolve(out),
      );
    });
    const counts = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      stdout,
    );
    if (!counts) throw new Error(`h2load printed no request counts: ${stdout.slice(0, 500)}`);
    const [errored, timedOut] = [Number(counts[6]), Number(counts[7])];
    // Columns: start (µs since the epoch), status, µs to the end of the response.
    const rows = readFileSync(join(dir, 'requests.tsv'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    let non2xx = 0;
    const sent = rows.map((row): SentRequest => {
      const [start, status, micros] = row.split('\t');
      const s = Number(status);
      // Status 0 is a request that errored, counted with h2load's errors.
      if (s !== 0 && (s < 200 || s >= 300)) non2xx++;
      return { sentMs: Number(start) / 1000, latencyMs: Number(micros) / 1000 };
    });
    const sorted = scheduledLatencies(sent, opts.rate);
    const fromSend = Float64Array.from(sent, (r) => r.latencyMs).sort();
    opts.onTimes?.(sorted, fromSend);
    const requests = rows.length;
    return {
      requests,
      asked: Math.round(opts.rate * opts.durationS),
      rps: requests / opts.durationS,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      p95FromSend: percentile(fromSend, 95),
      sendLagP95: percentile(sendLags(sent, opts.rate), 95),
      errors: errored + timedOut,
      non2xx,
      errorRate: (errored + timedOut + non2xx) / Math.max(1, requests + errored + timedOut),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
