// Which data version the cache keys its entries by. An ingest bumps `settings.data_version`;
// replicas learn it at once over Redis pub/sub (and in-process through notifyDataVersion), and by
// re-reading it at least once a second, which also covers an ingest run by the CLI in another
// process while Redis is away.
import type { Redis } from 'ioredis';
import { readDataVersion } from './versions.js';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';

export const DATA_VERSION_CHANNEL = 'data-version';

type Listener = (databaseUrl: string, version: number) => void;
const listeners = new Set<Listener>();

/** Called by the ingest pipeline right after it bumps the data version. */
export function notifyDataVersion(db: Db, version: number): void {
  for (const l of listeners) l(db.url, version);
}

export class DataVersionWatcher {
  private version = 0;
  private timer: { cancel(): void } | null = null;
  private closed = false;
  private subscriber: Redis | null = null;
  private readonly listener: Listener;
  /** Version reads sent to the database; the benchmark subtracts them from query counts. */
  polls = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly pollMs: number,
    private readonly onChange: (version: number) => void,
    private readonly publish: ((version: number) => Promise<void>) | null,
  ) {
    this.listener = (url, v) => {
      if (url !== this.db.url) return;
      this.observe(v);
      void this.publish?.(v);
    };
  }

  current(): number {
    return this.version;
  }

  async start(): Promise<void> {
    listeners.add(this.listener);
    await this.poll();
  }

  /** Listens on the Redis channel; ioredis re-subscribes by itself after a reconnect. */
  subscribe(subscriber: Redis, channel: string): void {
    this.subscriber = subscriber;
    subscriber.on('message', (ch: string, msg: string) => {
      const v = Number(msg);
      if (ch === channel && Number.isSafeInteger(v)) this.observe(v);
    });
    subscriber.subscribe(channel).catch(() => {});
  }

  observe(version: number): void {
    // Versions only grow; a late or duplicated message must not move a replica backwards.
    if (version <= this.version) return;
    this.version = version;
    this.onChange(version);
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    try {
      this.polls++;
      this.observe(await readDataVersion(this.db));
    } catch {
      // The database being away is the breakers' and readiness' business; keep the last version.
    }
    if (!this.closed) this.timer = this.clock.setTimeout(() => void this.poll(), this.pollMs);
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    listeners.delete(this.listener);
    this.subscriber?.disconnect();
  }
}
