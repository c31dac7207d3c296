// Shared Redis connections. Commands fail fast while Redis is away (no offline queue, short
// timeouts), so callers fall back to their local path instead of hanging a request.
import type { Redis, RedisOptions } from 'ioredis';

export interface RedisHandle {
  /** For commands; never blocks longer than `commandTimeoutMs`. */
  client: Redis;
  /** Creates a dedicated connection (pub/sub subscribers, BullMQ) with the same address. */
  duplicate(overrides?: RedisOptions): Redis;
  url: string;
  close(): Promise<void>;
}

/** Loads ioredis only here: a process without REDIS_URL never carries it (~20 MB of RSS). */
export async function openRedis(url: string, opts: { commandTimeoutMs?: number; keyPrefix?: string } = {}): Promise<RedisHandle> {
  const { Redis } = await import('ioredis');
  const base: RedisOptions = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: opts.commandTimeoutMs ?? 250,
    connectTimeout: 1000,
    // Keep trying in the background with a capped backoff; recovery needs no restart.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    lazyConnect: false,
  };
  const client = new Redis(url, base);
  // Connection errors are reported through readiness and metrics, not as unhandled events.
  client.on('error', () => {});
  const extra: Redis[] = [];
  return {
    client,
    url,
    duplicate(overrides = {}) {
      const d = new Redis(url, { ...base, ...overrides });
      d.on('error', () => {});
      extra.push(d);
      return d;
    },
    async close() {
      await Promise.all([client, ...extra].map(closeConnection));
    },
  };
}

/**
 * Closes a connection: QUIT when connected (pending replies still arrive), else at once. A
 * connection with an offline queue would hold QUIT until Redis came back, so a replica shutting
 * down during an outage never finished closing.
 */
export async function closeConnection(c: Redis): Promise<void> {
  if (c.status !== 'ready') {
    c.disconnect();
    return;
  }
  await c.quit().catch(() => c.disconnect());
}
