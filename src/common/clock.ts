// Injectable time: every decision that depends on "now" or on a timer reads it from here, so
// tests can compress minutes into milliseconds and stay deterministic.
export interface Clock {
  now(): number;
  /**
   * Timers do not keep the process alive by default (a pending refresh must not block shutdown).
   * `keepAlive` is for waits that are part of work in progress, such as a scraper's politeness
   * delay: without it a one-shot command whose only pending thing is that wait just exits.
   */
  setTimeout(fn: () => void, ms: number, opts?: { keepAlive?: boolean }): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, opts) {
    const t = setTimeout(fn, ms);
    if (!opts?.keepAlive) t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  constructor(private t = 0) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return {
      cancel: () => {
        this.timers = this.timers.filter((x) => x.id !== id);
      },
    };
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = target;
  }
}
