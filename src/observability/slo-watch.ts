// Watches the console's SLO tiles on a clock-driven interval and raises an alert when one crosses
// its gate threshold, and a resolved notice when it comes back. It only notifies: rollbacks are
// the rollout controller's decision, with its own windows, minimum samples and latching.
import { PeriodicTask } from '../common/periodic-task.js';
import type { AlertFeed } from './alert-feed.js';
import type { Clock } from '../common/clock.js';
import { readSloTiles, type SloTile, type TileKey, type TileSources } from './slo-tiles.js';

export interface SloWatchOptions {
  everyMs?: number;
}

export class SloWatch {
  private readonly last = new Map<TileKey, SloTile['status']>();
  private readonly everyMs: number;
  private running: Promise<void> | null = null;
  private readonly loop: PeriodicTask;

  constructor(
    private readonly sources: TileSources,
    private readonly feed: AlertFeed,
    private readonly clock: Clock,
    opts: SloWatchOptions = {},
  ) {
    this.everyMs = opts.everyMs ?? 15_000;
    // A tile that cannot be read now is read again at the next evaluation.
    this.loop = new PeriodicTask({ clock, everyMs: this.everyMs, run: () => this.evaluate(), onError: () => {} });
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    void this.loop.stop();
  }

  /** One evaluation; concurrent callers share it. Exposed so tests and the console can force one. */
  evaluate(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const tiles = await readSloTiles(this.sources);
    for (const t of tiles) {
      const before = this.last.get(t.key) ?? 'no_data';
      this.last.set(t.key, t.status);
      if (t.status === before || t.status === 'no_data') continue;
      if (t.status === 'breach') {
        this.feed.publish({
          severity: 'warning',
          channel: 'performance',
          source: 'slo-watch',
          title: `${t.label} ${t.display} breaks its gate (${t.thresholdDisplay})`,
          detail: t.detail,
        });
      } else if (before === 'breach') {
        this.feed.publish({
          severity: 'info',
          channel: 'performance',
          source: 'slo-watch',
          resolved: true,
          title: `${t.label} back within its gate: ${t.display} (${t.thresholdDisplay})`,
          detail: t.detail,
        });
      }
    }
  }
}
