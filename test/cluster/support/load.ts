// A bounded loopback load driver: a fixed number of workers issue requests round-robin over the
// targets currently in rotation until a request count or a time limit is reached, and every
// outcome is kept so a test can ask what happened to the requests in flight at a given moment.

export interface RequestRecord {
  target: string;
  path: string;
  /** ms since the driver started */
  startedAt: number;
  endedAt: number;
  /** HTTP status, or 0 when no response arrived */
  status: number;
  /** Network error code when no response arrived (ECONNREFUSED, ECONNRESET, timeout, …) */
  error?: string;
}

export interface LoadOptions {
  targets: string[];
  paths: string[];
  concurrency: number;
  maxRequests: number;
  maxDurationMs: number;
  requestTimeoutMs?: number;
  headers?: Record<string, string>;
}

export interface LoadSummary {
  sent: number;
  durationMs: number;
  byStatus: Record<string, number>;
  errors: Record<string, number>;
  /** Requests that got no response or a 5xx. */
  failed: number;
  p50Ms: number;
  p95Ms: number;
}

export function errorCode(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
    const cause = (err as Error & { cause?: { code?: string; name?: string } }).cause;
    if (cause?.code) return cause.code;
    if (cause?.name) return cause.name;
    return err.name;
  }
  return String(err);
}

export const isFailure = (r: RequestRecord) => r.status === 0 || r.status >= 500;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summarise(records: RequestRecord[], durationMs = 0): LoadSummary {
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const r of records) {
    if (r.status) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    else errors[r.error ?? 'unknown'] = (errors[r.error ?? 'unknown'] ?? 0) + 1;
  }
  const latencies = records
    .filter((r) => r.status)
    .map((r) => r.endedAt - r.startedAt)
    .sort((a, b) => a - b);
  return {
    sent: records.length,
    durationMs: Math.round(durationMs),
    byStatus,
    errors,
    failed: records.filter(isFailure).length,
    p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
    p95Ms: Math.round(percentile(latencies, 95) * 10) / 10,
  };
}

export class LoadDriver {
  readonly records: RequestRecord[] = [];
  private readonly pending = new Set<RequestRecord>();
  private readonly rotation: string[];
  private issued = 0;
  private next = 0;
  private stopped = false;
  private readonly origin = performance.now();
  private running: Promise<LoadSummary> | null = null;

  constructor(private readonly opts: LoadOptions) {
    if (!opts.targets.length || !opts.paths.length) throw new Error('load needs at least one target and one path');
    this.rotation = [...opts.targets];
  }

  /** ms since the driver was created; compare with RequestRecord times. */
  now(): number {
    return performance.now() - this.origin;
  }

  /** Takes a target out of rotation, as a load balancer does when its readiness fails. */
  remove(target: string): void {
    const i = this.rotation.indexOf(target);
    if (i >= 0) this.rotation.splice(i, 1);
  }

  /** Requests issued and not yet answered (optionally to one target); their records fill in later. */
  inFlight(target?: string): RequestRecord[] {
    return [...this.pending].filter((r) => target === undefined || r.target === target);
  }

  /** No new requests; those in flight finish. */
  stop(): void {
    this.stopped = true;
  }

  run(): Promise<LoadSummary> {
    this.running ??= this.execute();
    return this.running;
  }

  private pick(): { target: string; path: string } | null {
    if (this.stopped || !this.rotation.length || this.issued >= this.opts.maxRequests || this.now() >= this.opts.maxDurationMs) return null;
    const n = this.next++;
    this.issued++;
    return { target: this.rotation[n % this.rotation.length], path: this.opts.paths[n % this.opts.paths.length] };
  }

  private async worker(): Promise<void> {
    for (let job = this.pick(); job; job = this.pick()) {
      const record: RequestRecord = { target: job.target, path: job.path, startedAt: this.now(), endedAt: 0, status: 0 };
      this.pending.add(record);
      try {
        const res = await fetch(job.target + job.path, {
          headers: this.opts.headers,
          signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 10_000),
        });
        await res.arrayBuffer();
        record.status = res.status;
      } catch (err) {
        record.error = errorCode(err);
      }
      record.endedAt = this.now();
      this.pending.delete(record);
      this.records.push(record);
    }
  }

  private async execute(): Promise<LoadSummary> {
    const started = this.now();
    await Promise.all(Array.from({ length: this.opts.concurrency }, () => this.worker()));
    return summarise(this.records, this.now() - started);
  }
}
