// Hit ratio over a recent window (per-second buckets), for the rollout gates: a lifetime ratio
// would hide a cache that has just stopped working.
import type { Clock } from '../common/clock.js';

export class HitWindow {
  private readonly hits: number[];
  private readonly misses: number[];
  private readonly stamps: number[];

  constructor(
    private readonly clock: Clock,
    private readonly seconds = 60,
    private readonly minSamples = 20,
  ) {
    this.hits = new Array<number>(seconds).fill(0);
    this.misses = new Array<number>(seconds).fill(0);
    this.stamps = new Array<number>(seconds).fill(-1);
  }

  private slot(): number {
    const sec = Math.floor(this.clock.now() / 1000);
    const i = sec % this.seconds;
    if (this.stamps[i] !== sec) {
      this.stamps[i] = sec;
      this.hits[i] = 0;
      this.misses[i] = 0;
    }
    return i;
  }

  record(hit: boolean): void {
    const i = this.slot();
    if (hit) this.hits[i]++;
    else this.misses[i]++;
  }

  /** null while the window holds too few requests to say anything. */
  ratio(): number | null {
    const oldest = Math.floor(this.clock.now() / 1000) - this.seconds + 1;
    let h = 0;
    let m = 0;
    for (let i = 0; i < this.seconds; i++) {
      if (this.stamps[i] >= oldest) {
        h += this.hits[i];
        m += this.misses[i];
      }
    }
    return h + m < this.minSamples ? null : h / (h + m);
  }
}
