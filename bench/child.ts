// Starts a benchmark child process and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FlagName, FlagValue } from '../src/flags/registry.js';
import { SERVICE_HEAP_OPTIONS, SERVICE_MALLOC_ENV } from '../src/http/heap-options.js';
import { MAX_RATE_LIMIT_PER_MINUTE } from '../src/resilience/index.js';
import type { ChildStats } from './server-child.js';

export interface Child {
  url: string;
  pid: number;
  flags(overrides: Partial<Record<FlagName, FlagValue>>): Promise<void>;
  stats(): Promise<ChildStats>;
  stop(): Promise<void>;
}

export async function startChild(script: 'server-child' | 'bare-child', env: Record<string, string>): Promise<Child> {
  const path = fileURLToPath(new URL(`./${script}.js`, import.meta.url));
  // The heap and malloc settings of a deployed replica; bare Fastify gets the same, so the two compare alike.
  const proc: ChildProcess = fork(path, [], {
    execArgv: [...SERVICE_HEAP_OPTIONS],
    env: { ...process.env, ...SERVICE_MALLOC_ENV, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    proc.on('message', (m) => {
      const msg = m as { type?: string; url?: string; id?: number };
      if (msg.type === 'ready' && msg.url) resolve(msg.url);
      else if (msg.id !== undefined) {
        waiting.get(msg.id)?.(msg);
        waiting.delete(msg.id);
      }
    });
  });
  const ask = <T>(req: Record<string, unknown>): Promise<T> =>
    new Promise((resolve) => {
      const id = ++seq;
      waiting.set(id, resolve as (v: unknown) => void);
      proc.send({ ...req, id });
    });
  return {
    url,
    pid: proc.pid ?? 0,
    flags: async (overrides) => {
      await ask({ type: 'flags', overrides });
    },
    stats: async () => (await ask<{ stats: ChildStats }>({ type: 'stats' })).stats,
    stop: async () => {
      if (proc.exitCode !== null) return;
      // Drop the start-up listener (it would reject a settled promise), then wait for the exit.
      proc.removeAllListeners('exit');
      const exited = new Promise((r) => proc.once('exit', r));
      void ask({ type: 'stop' });
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Environment of a benchmark replica. */
export function serviceEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    DEALERSCOPE_ENV: 'development',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    CURSOR_SECRET: 'bench-cursor-secret-0123456789',
    // Every phase-1 and phase-2 feature stays on, the per-IP rate limit too, with a limit the one
    // load client cannot reach (100/min would turn a load test into a 429 test; a million a minute
    // was crossed here once wrk drove 60 k req/s, and a tenth of a paced run came back 429).
    FF_ENABLE_RATE_LIMITING: 'true',
    RATE_LIMIT_PER_MINUTE: String(MAX_RATE_LIMIT_PER_MINUTE),
    ...extra,
  };
}
