// How many batches of a streamed import are in flight at once. On PostgreSQL the import's own
// process spends a third of an import waiting on the server; with more batches in flight its
// parsing, checks and pricing run during that wait. Outcomes are applied strictly in the order
// the batches started, so counts, progress and listed rows read as if the batches had run one
// after another. Batches must touch disjoint rows (a streamed import's are: one winning row per
// lot).

export class BatchWindow<T> {
  /** Each started batch's outcome applied, chained in start order. */
  private applied: Promise<void> = Promise.resolve();
  private readonly open: Array<Promise<void>> = [];
  /** Every batch whose own work has not settled yet, whatever happened to the chain. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly depth: number,
    private readonly apply: (outcome: T) => void,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`batches in flight must be a whole number ≥ 1, not ${depth}`);
  }

  /**
   * Starts a batch and returns once fewer than `depth` batches are in flight, so the caller
   * holds at most `depth` batches (those in flight and the one it is filling). Rejects with the
   * first failed batch's error.
   */
  async add(work: () => Promise<T>): Promise<void> {
    const outcome = work();
    this.running.add(outcome);
    const forget = () => this.running.delete(outcome);
    outcome.then(forget, forget);
    const applied = Promise.all([this.applied, outcome]).then(([, o]) => this.apply(o));
    // Observed by a later add or by drain; this stops an unobserved failure crashing the process.
    applied.catch(() => undefined);
    this.applied = applied;
    this.open.push(applied);
    while (this.open.length >= this.depth) await this.open.shift();
  }

  /** Waits for every batch and applies the rest; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.open.length) await this.open.shift();
  }

  /** After a failure: waits until no batch's work is still running (nothing written after it). */
  async settle(): Promise<void> {
    this.open.length = 0;
    await Promise.allSettled([...this.running]);
  }
}
