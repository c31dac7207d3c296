// One pass at a time over work that keeps arriving: callers during a pass share it, and a call
// made while it runs earns exactly one more pass after it (the work it announced is not missed).
export class CoalescedPass {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly pass: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Waits for the pass in progress, if any, whatever its outcome. */
  async settled(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}
