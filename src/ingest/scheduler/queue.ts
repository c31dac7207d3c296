// Scrape jobs: one per source per interval slot. In-process by default; on Redis through BullMQ
// so several `dealerscope worker` processes share the work and several API replicas
// scheduling the same slot enqueue it only once (the slot is the job id).
import { createRequire } from 'node:module';
import type { Queue, Worker } from 'bullmq';

// BullMQ is loaded only by processes that use the Redis queue.
const require = createRequire(import.meta.url);
const loadBull = () => require('bullmq') as typeof import('bullmq');
import { Redis } from 'ioredis';
import { closeConnection } from '../../storage/index.js';

export interface ScrapeJob {
  source: string;
  /** Interval slot (scheduled time ÷ interval): one job per source per slot. */
  slot: number;
}

export type ScrapeHandler = (job: ScrapeJob) => Promise<unknown>;

export interface ScrapeQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** False when the same source + slot is already queued (or done). */
  add(job: ScrapeJob): Promise<boolean>;
  /** Starts consuming; at most one job per source runs at a time in this process. */
  process(handler: ScrapeHandler): void;
  close(): Promise<void>;
}

export const jobId = (j: ScrapeJob) => `${j.source}-${j.slot}`;

/** The embedded default: per-source FIFO, so a source waiting for the browser pool blocks no other. */
export class InProcessQueue implements ScrapeQueue {
  readonly kind = 'in-process' as const;
  private readonly lanes = new Map<string, { queue: ScrapeJob[]; running: boolean }>();
  private readonly seen = new Set<string>();
  private handler: ScrapeHandler | null = null;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly onError: (job: ScrapeJob, err: unknown) => void = () => {}) {}

  async add(job: ScrapeJob): Promise<boolean> {
    if (this.closed || this.seen.has(jobId(job))) return false;
    const lane = this.lanes.get(job.source) ?? { queue: [], running: false };
    this.lanes.set(job.source, lane);
    // A source that is still behind keeps one pending run, not a backlog of stale slots.
    if (lane.queue.length > 0) return false;
    this.seen.add(jobId(job));
    if (this.seen.size > 10_000) this.seen.delete(this.seen.values().next().value!);
    lane.queue.push(job);
    this.drain(job.source);
    return true;
  }

  process(handler: ScrapeHandler): void {
    this.handler = handler;
    for (const source of this.lanes.keys()) this.drain(source);
  }

  private drain(source: string): void {
    const lane = this.lanes.get(source);
    if (!lane || lane.running || !this.handler || this.closed) return;
    const job = lane.queue.shift();
    if (!job) return;
    lane.running = true;
    const p = this.handler(job)
      .then(
        () => {},
        (err) => this.onError(job, err),
      )
      .finally(() => {
        lane.running = false;
        this.inFlight.delete(p);
        this.drain(source);
      });
    this.inFlight.add(p);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }
}

export interface BullQueueOptions {
  redisUrl: string;
  /** Key prefix, so tests and environments sharing one Redis never see each other's jobs. */
  prefix: string;
  name?: string;
  /** Jobs this process runs at once (across sources). */
  concurrency?: number;
  onError?: (job: ScrapeJob, err: unknown) => void;
}

export class BullScrapeQueue implements ScrapeQueue {
  readonly kind = 'bullmq' as const;
  private readonly connections: Redis[] = [];
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly name: string;

  constructor(private readonly opts: BullQueueOptions) {
    this.name = opts.name ?? 'scrape';
    const { Queue: BullQueue } = loadBull();
    this.queue = new BullQueue(this.name, { connection: this.connection(), prefix: opts.prefix });
  }

  // BullMQ needs blocking connections that retry forever, unlike the fail-fast command client.
  private connection(): Redis {
    const c = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: false });
    c.on('error', () => {});
    this.connections.push(c);
    return c;
  }

  async add(job: ScrapeJob): Promise<boolean> {
    const id = jobId(job);
    const existing = await this.queue.getJob(id);
    if (existing) return false;
    await this.queue.add('scrape', job, { jobId: id, removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 }, attempts: 1 });
    return true;
  }

  process(handler: ScrapeHandler): void {
    if (this.worker) return;
    const { Worker: BullWorker } = loadBull();
    this.worker = new BullWorker<ScrapeJob>(
      this.name,
      async (job) => {
        try {
          return await handler(job.data);
        } catch (err) {
          this.opts.onError?.(job.data, err);
          throw err;
        }
      },
      { connection: this.connection(), prefix: this.opts.prefix, concurrency: this.opts.concurrency ?? 2 },
    );
    this.worker.on('error', () => {});
  }

  /** Jobs waiting or running, for status output and tests. */
  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await Promise.all(this.connections.map(closeConnection));
  }
}
