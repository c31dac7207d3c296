// Enqueues a scrape of each configured source once per interval, aligned to interval slots so
// that every replica running a scheduler computes the same job id and the queue keeps one.
import type { Clock } from '../../common/clock.js';
import type { ScrapeQueue } from './queue.js';

export interface ScheduledSource {
  name: string;
  intervalMs: number;
}

export class ScrapeScheduler {
  private timers = new Map<string, { cancel(): void }>();
  private running = false;

  constructor(
    private readonly sources: ScheduledSource[],
    private readonly queue: ScrapeQueue,
    private readonly clock: Clock,
    private readonly onError: (source: string, err: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const s of this.sources) this.tick(s);
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private tick(s: ScheduledSource): void {
    if (!this.running) return;
    const now = this.clock.now();
    const slot = Math.floor(now / s.intervalMs);
    this.queue.add({ source: s.name, slot }).catch((err) => this.onError(s.name, err));
    this.timers.set(
      s.name,
      this.clock.setTimeout(() => this.tick(s), (slot + 1) * s.intervalMs - now),
    );
  }
}
