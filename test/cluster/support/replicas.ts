// Starts real `dealerscope serve` processes (the compiled CLI) on loopback ports and stops or
// kills them, so the cluster tests exercise the same process a Deployment runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../support/redis.js';
import { cliEntry, repoRoot } from './build.js';

export const CLUSTER_ADMIN_TOKEN = 'cluster-test-admin-token-0123456789';

export interface ReplicaOptions {
  name: string;
  databaseUrl: string;
  redisUrl?: string | null;
  adminToken?: string;
  /** Extra environment, e.g. FF_* flags; wins over the defaults below. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** CLI arguments; the default is an API replica. Workers pass ['worker']. */
  args?: string[];
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Environment every cluster replica shares unless a test says otherwise. */
export function baseEnv(opts: Pick<ReplicaOptions, 'databaseUrl' | 'redisUrl' | 'adminToken'>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    DEALERSCOPE_ENV: 'production',
    DATABASE_URL: opts.databaseUrl,
    ADMIN_TOKEN: opts.adminToken ?? CLUSTER_ADMIN_TOKEN,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Load from one loopback address would trip the per-IP limit; these suites measure faults.
    FF_ENABLE_RATE_LIMITING: 'false',
    FF_API_RATE_LIMITING: 'false',
  };
  if (opts.redisUrl) env.REDIS_URL = opts.redisUrl;
  return env;
}

/** Keeps the last few KB of a stream for failure messages without holding everything. */
function tail(stream: NodeJS.ReadableStream | null, limit = 8192): () => string {
  let buf = '';
  stream?.on('data', (chunk: Buffer) => {
    buf = (buf + chunk.toString()).slice(-limit);
  });
  return () => buf;
}

export class Replica {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | null = null;
  readonly output: () => string;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly proc: ChildProcess,
  ) {
    this.output = tail(proc.stderr);
    proc.stdout?.resume();
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  alive(): boolean {
    return this.exitInfo === null;
  }

  kill(signal: NodeJS.Signals): boolean {
    return this.alive() && this.proc.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not drained within `graceMs`. */
  async stop(graceMs = 10_000): Promise<ExitInfo> {
    if (!this.alive()) return this.exitInfo!;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A request to this replica with the cluster's admin token (flag changes, rollout state). */
  admin(path: string, init: RequestInit = {}, token = CLUSTER_ADMIN_TOKEN): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${token}`);
    if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    return fetch(`${this.url}${path}`, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(5000) });
  }

  async readyz(): Promise<{ status: number; body: { status?: string; components?: Record<string, { status: string }> } }> {
    const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: (await res.json()) as { status?: string } };
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive()) throw new Error(`${this.name} exited (${JSON.stringify(this.exitInfo)}) before it was ready:\n${this.output()}`);
      try {
        if ((await this.readyz()).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.output()}`);
  }
}

export async function startReplica(opts: ReplicaOptions): Promise<Replica> {
  const port = await freePort();
  // WORKER_PORT: `dealerscope worker` serves /readyz and /metrics there rather than on PORT.
  const env = { ...baseEnv(opts), PORT: String(port), WORKER_PORT: String(port), ...opts.env };
  const args = opts.args ?? ['serve', '--no-sample'];
  const proc = spawn(process.execPath, [cliEntry, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const replica = new Replica(opts.name, port, proc);
  try {
    await replica.waitUntilReady(opts.readyTimeoutMs);
  } catch (err) {
    replica.kill('SIGKILL');
    throw err;
  }
  return replica;
}

/** N processes on one database (and Redis), started in parallel, named `${prefix}-1`…. */
export async function startReplicas(n: number, opts: Omit<ReplicaOptions, 'name'>, prefix = 'api'): Promise<Replica[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => startReplica({ ...opts, name: `${prefix}-${i + 1}` })));
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stopAll(started);
    throw failed.reason;
  }
  return started;
}

export async function stopAll(replicas: Replica[]): Promise<void> {
  // A replica that died on its own says why in the run log (a test may have meant to kill it).
  for (const r of replicas) {
    if (!r.alive())
      process.stderr.write(`cluster: ${r.name} (pid ${r.pid}) had exited: ${JSON.stringify(await r.exited)}\n${r.output().slice(-2000)}\n`);
  }
  await Promise.all(replicas.map((r) => r.stop()));
}

/** Runs the compiled CLI once (migrate, ingest, …) and returns its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [cliEntry, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  proc.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-16_384);
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Migrates the database and loads the bundled sample listings (or `file`) through the `ingest` command. */
export async function seedSampleListings(
  databaseUrl: string,
  file = 'data/sample/listings.csv',
): Promise<{ accepted: number; rows: number }> {
  const env = baseEnv({ databaseUrl });
  const migrated = await runCli(['migrate'], env);
  if (migrated.code !== 0) throw new Error(`dealerscope migrate failed (${migrated.code}):\n${migrated.stderr}`);
  const ingested = await runCli(['ingest', '--file', file, '--json'], env);
  // 2 means some rows were rejected; the rest landed, which is all these suites need.
  if (ingested.code !== 0 && ingested.code !== 2) throw new Error(`dealerscope ingest failed (${ingested.code}):\n${ingested.stderr}`);
  const summary = JSON.parse(ingested.stdout.trim().split('\n').pop() ?? '{}') as { accepted?: number; rows?: number };
  if (!summary.accepted) throw new Error(`dealerscope ingest landed no listings:\n${ingested.stdout}\n${ingested.stderr}`);
  return { accepted: summary.accepted, rows: summary.rows ?? 0 };
}

/** Polls `check` until it returns true or the time is up; returns the elapsed ms. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
