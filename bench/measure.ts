// Shared pieces of the benchmark scenarios: a measured load run with the service's own counters.
import { recordedHeaders, type RecordedBody } from './recorded-body.js';
import type { Child } from './child.js';
import type { ChildStats } from './server-child.js';
import http from 'node:http';
import { CLIENT_HEADERS, pooledLoad, runLoad, type LoadOptions, type LoadResult } from './load.js';

/**
 * Unreported warm-up before a steady-state hit-rate window, in requests per seeded row. The
 * hit-rate targets are steady-state figures: a window right after a cold start, or after raising
 * the entry bound, still counts first sightings of paths the cache would hold. Counted in
 * requests, not seconds, because a cache's state follows the requests it has seen however fast
 * they came: warm-ups of three run lengths (18 s) left the Redis cache at 81.5 % and 79.3 % on a
 * machine serving the mix at 1,150 and 800 req/s, against 89.2 % and 85.1 % at 3,230 and
 * 2,210 req/s on another.
 */
export const WARM_UP_PER_ROW = { memory: 0.4, phase4: 1, redis: 0.6 } as const;
/** A warm-up stops here, in run lengths, whatever it has served: the bench's time stays bounded. */
const WARM_UP_MAX_RUNS = 25;

/** Drives `next` in run-length pieces until `requests` have been served (or the time bound); returns how many were. */
export async function warmUp(
  label: string,
  children: Child[],
  base: string | string[],
  next: () => string,
  opts: LoadOptions,
  requests: number,
  log: (msg: string) => void,
): Promise<number> {
  const runS = opts.durationS ?? 10;
  let served = 0;
  for (let run = 0; served < requests && run < WARM_UP_MAX_RUNS; run++) {
    served += (await measured('warm-up', children, base, next, opts)).requests;
    log(`${label}: warm-up ${Math.min(served, requests)}/${requests} requests`);
  }
  if (served < requests) log(`${label}: warm-up stopped at ${served} of ${requests} requests (${WARM_UP_MAX_RUNS * runS} s bound)`);
  return served;
}

export interface Measured extends LoadResult {
  name: string;
  hitRate: number | null;
  rssMb: number;
  /** Database queries during the run (version polls excluded; other capabilities' background work included). */
  dbQueries: number;
  /** Reads that went past the cache to the database read path. */
  cacheLoads: number;
  /** The same loads by why they went to the database (cluster-lock holder, Redis unanswered, …). */
  loadReasons: Record<string, number>;
  /** Server CPU time (user + system, all measured processes) per request, microseconds. */
  cpuPerRequestUs: number | null;
  /** Server CPU time ÷ run time: 1.0 is one core busy throughout (a server that is the limit). */
  serverCores: number | null;
  /** Share of the requests answered by the replay lane (null for bare Fastify). */
  replayedShare: number | null;
}

export interface BenchSettings {
  rows: number;
  durationS: number;
  connections: number;
  log: (msg: string) => void;
}

const SETTLE_STEP_MS = 250;
const SETTLE_MAX_MS = 5000;

/**
 * Waits until the replicas' loads and queries stop moving. A load run ends with requests still in
 * flight; without this, the next run's counters took them in (a Redis stampede after the Zipf mix
 * reported 3 loads: its one key's load and two of the mix's stragglers, logged per key).
 */
async function settle(children: Child[]): Promise<ChildStats[]> {
  const moved = (a: ChildStats[], b: ChildStats[]) =>
    a.some((s, i) => s.loads !== b[i].loads || s.queries - s.versionPolls !== b[i].queries - b[i].versionPolls);
  let last = await Promise.all(children.map((c) => c.stats()));
  for (let waited = 0; waited < SETTLE_MAX_MS; waited += SETTLE_STEP_MS) {
    await new Promise((r) => setTimeout(r, SETTLE_STEP_MS));
    const now = await Promise.all(children.map((c) => c.stats()));
    if (!moved(last, now)) return now;
    last = now;
  }
  return last;
}

export async function measured(
  name: string,
  children: Child[],
  base: string | string[],
  next: () => string,
  opts: LoadOptions,
): Promise<Measured> {
  const before = await settle(children);
  const bases = Array.isArray(base) ? base : [base];
  const started = performance.now();
  // Several replicas: one autocannon per replica, connections split between them.
  const parts = await Promise.all(
    bases.map((b) =>
      runLoad(b, next, {
        ...opts,
        connections: Math.max(1, Math.floor(opts.connections / bases.length)),
        overallRate: opts.overallRate ? opts.overallRate / bases.length : undefined,
        amount: opts.amount ? Math.ceil(opts.amount / bases.length) : undefined,
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await Promise.all(children.map((c) => c.stats()));
  const sum = (f: (i: number) => number) => children.reduce((acc, _c, i) => acc + f(i), 0);
  const cpuUs = sum((i) => after[i]!.cpuUs - before[i]!.cpuUs);
  const hits = sum((i) => after[i]!.cache.hits - before[i]!.cache.hits);
  const misses = sum((i) => after[i]!.cache.misses - before[i]!.cache.misses);
  const requests = parts.reduce((a, p) => a + p.requests, 0);
  const weighted = (f: (p: LoadResult) => number) => parts.reduce((a, p) => a + f(p) * p.requests, 0) / Math.max(1, requests);
  return {
    name,
    requests,
    rps: parts.reduce((a, p) => a + p.rps, 0),
    // With one replica these are exact; with several, the request-weighted mean of each replica's percentile.
    p50: weighted((p) => p.p50),
    p95: weighted((p) => p.p95),
    p99: weighted((p) => p.p99),
    // Paced runs drive one replica: its h2load's figures as they are.
    ...(parts.length === 1 && parts[0]!.p95FromSend !== undefined
      ? { p95FromSend: parts[0]!.p95FromSend, sendLagP95: parts[0]!.sendLagP95 }
      : {}),
    errors: parts.reduce((a, p) => a + p.errors, 0),
    non2xx: parts.reduce((a, p) => a + p.non2xx, 0),
    errorRate: weighted((p) => p.errorRate),
    hitRate: hits + misses === 0 ? null : hits / (hits + misses),
    rssMb: Math.max(0, ...after.map((s) => s.rss / 1024 / 1024)),
    cpuPerRequestUs: children.length
      ? cpuUs /
        Math.max(
          1,
          parts.reduce((a, p) => a + p.requests, 0),
        )
      : null,
    serverCores: children.length ? cpuUs / 1e6 / seconds : null,
    replayedShare: hits + misses === 0 ? null : sum((i) => after[i]!.replayed - before[i]!.replayed) / Math.max(1, requests),
    dbQueries: sum((i) => after[i]!.queries - before[i]!.queries - (after[i]!.versionPolls - before[i]!.versionPolls)),
    cacheLoads: sum((i) => after[i]!.loads - before[i]!.loads),
    loadReasons: Object.fromEntries(
      Object.keys(after[0]?.loadReasons ?? {})
        .map((r): [string, number] => [r, sum((i) => (after[i].loadReasons[r] ?? 0) - (before[i].loadReasons[r] ?? 0))])
        .filter(([, n]) => n !== 0),
    ),
  };
}

/** Runs of one server at one rate as one: latencies pooled, counters summed, CPU per request over all. */
export function pooledMeasured(runs: Measured[], times: Float64Array[], fromSend?: Float64Array[]): Measured {
  const load = pooledLoad(runs.map((result, i) => ({ result, times: times[i] ?? new Float64Array(0), fromSend: fromSend?.[i] })));
  const sum = (f: (m: Measured) => number | null) => runs.reduce((a, m) => a + (f(m) ?? 0), 0);
  const last = runs[runs.length - 1]!;
  return {
    ...last,
    ...load,
    name: `${last.name} (${runs.length} runs pooled)`,
    rssMb: Math.max(...runs.map((m) => m.rssMb)),
    dbQueries: sum((m) => m.dbQueries),
    cacheLoads: sum((m) => m.cacheLoads),
    cpuPerRequestUs: last.cpuPerRequestUs === null ? null : sum((m) => (m.cpuPerRequestUs ?? 0) * m.requests) / Math.max(1, load.requests),
    serverCores: last.serverCores === null ? null : sum((m) => m.serverCores) / runs.length,
  };
}

/**
 * How far apart repeated runs of the same work landed: (fastest − slowest) ÷ fastest, 0 when
 * they agree. Two runs of bare Fastify on this benchmark's machines have landed 8 % apart on a
 * quiet minute and 43 % apart on a busy one.
 */
export function runSpread(rates: readonly number[]): number {
  if (rates.length < 2) return 0;
  const top = Math.max(...rates);
  return top > 0 ? (top - Math.min(...rates)) / top : 0;
}

export async function getJson(url: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body, text };
}

let coldSeq = 0;
/** A minProfit no other request of the run uses (within the API's ±1e9 bound), so its key is cold. */
export const coldTag = () => `${900_000 + (process.pid % 1000) * 100 + ++coldSeq}.25`;

/** The bytes and coding the service sends a client with the load's request headers (or none: a plain-JSON client). */
export function recordBody(url: string, gzip = true): Promise<RecordedBody> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: gzip ? CLIENT_HEADERS : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const enc = res.headers['content-encoding'];
          resolve({
            base64: Buffer.concat(chunks).toString('base64'),
            contentEncoding: typeof enc === 'string' ? enc : null,
            headers: recordedHeaders(res.rawHeaders),
          });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
