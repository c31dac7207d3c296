// The one self-rescheduling loop: a pass, then a pause, then the next pass. The pause starts when
// a pass ends, so passes never overlap however slow one is; a failed pass goes to onError and the
// loop carries on; stop() cancels the pending timer and waits for the pass in flight, so nothing
// touches a closed database after shutdown. Timers come from the injected clock.
import type { Clock } from './clock.js';

export interface PeriodicTaskOptions {
  clock: Pick<Clock, 'setTimeout'>;
  /** The pass. */
  run: () => Promise<unknown>;
  /** Pause after a pass; a function for loops that wake when their next piece of work falls due. */
  everyMs: number | (() => number);
  /** Pause before the first pass (default: everyMs). */
  firstAfterMs?: number;
  /** Where a failed pass goes. Required so each loop states whether it logs or relies on readiness. */
  onError: (err: unknown) => void;
}

export class PeriodicTask {
  private timer: { cancel(): void } | null = null;
  private active = false;
  private inflight: Promise<void> | null = null;
  /** A wake-up arrived during a pass: run again as soon as it ends. */
  private again = false;

  constructor(private readonly o: PeriodicTaskOptions) {}

  get started(): boolean {
    return this.active;
  }

  /** Starts the loop; a second call while it runs does nothing. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.schedule(this.o.firstAfterMs ?? this.pause());
  }

  /** Runs a pass now (or right after the one in progress); the rhythm continues from it. */
  kick(): void {
    if (this.active) this.schedule(0);
  }

  /** Cancels the next pass and resolves when the one in flight, if any, has ended. */
  async stop(): Promise<void> {
    this.active = false;
    this.again = false;
    this.timer?.cancel();
    this.timer = null;
    await this.inflight;
  }

  private pause(): number {
    return typeof this.o.everyMs === 'function' ? this.o.everyMs() : this.o.everyMs;
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    this.timer = this.o.clock.setTimeout(() => this.fire(), ms);
  }

  private fire(): void {
    this.timer = null;
    if (this.inflight) {
      this.again = true;
      return;
    }
    this.inflight = (async () => {
      try {
        await this.o.run();
      } catch (err) {
        try {
          this.o.onError(err);
        } catch {
          // A failing logger must not end the loop.
        }
      }
    })().finally(() => {
      this.inflight = null;
      if (!this.active || this.timer) return;
      const again = this.again;
      this.again = false;
      this.schedule(again ? 0 : this.pause());
    });
  }
}
