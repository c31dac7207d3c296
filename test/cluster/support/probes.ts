// Timing how long a change takes to be in force on a replica: a replica is probed with real
// requests, back to back, until one shows the new behaviour; the time is taken when that
// response arrives (an upper bound), and a few more probes must agree (no flapping back).

export interface Propagation {
  /** ms from the start of the change request to the first response showing the new behaviour */
  ms: number;
  probes: number;
}

export async function timeUntilInForce(
  isInForce: () => Promise<boolean>,
  startedAt: number,
  timeoutMs: number,
  confirmations = 5,
): Promise<Propagation> {
  let probes = 0;
  for (;;) {
    probes++;
    const seen = await isInForce().catch(() => false);
    const ms = performance.now() - startedAt;
    if (seen) {
      for (let i = 0; i < confirmations; i++) {
        if (!(await isInForce())) throw new Error(`the change was seen after ${Math.round(ms)} ms and then undone`);
      }
      return { ms: Math.round(ms * 10) / 10, probes };
    }
    if (ms > timeoutMs) throw new Error(`not in force after ${timeoutMs} ms (${probes} probes)`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
