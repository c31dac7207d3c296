// The import scenario measured in rounds. An import has no reference measured in the same minute
// (the serving rows compare the service with bare Fastify back to back), so one run of it is one
// minute of a shared machine: the same build imported the same 20,000 rows in 10.9–15.2 s on one
// machine within a quarter of an hour (2026-12-07). Each round imports both files into a fresh
// database; the rate judged is the median round's, so one stalled minute neither fails nor passes
// the target, and every round's rate is shown beside it. Peak RSS is a bound, so it is the
// highest of any round.

/** One run's figures for one file (IngestResult, bench/ingest-run.ts, adds what the rounds share). */
export interface IngestRound {
  seconds: number;
  listingsPerSecond: number;
  /** User + system CPU of the import process, per listing: steadier than the rate on a shared machine. */
  cpuMsPerListing: number;
  /**
   * PostgreSQL: the server's CPU per listing over the same import (every backend and background
   * process of the postmaster, bench/server-cpu.ts); absent on SQLite, whose work is in the
   * import's own CPU, and where the server's processes cannot be read.
   */
  serverCpuMsPerListing?: number;
  peakRssMb: number;
  /** One-minute load average when the import started and ended. */
  load: [number, number];
}

/**
 * The figures a file's rounds are judged by: the median round's (by rate; the slower middle one
 * when the count is even), with the highest peak RSS of all rounds and every round kept.
 */
export function combineRounds<T extends IngestRound>(rounds: readonly T[]): T & { rounds: IngestRound[] } {
  if (rounds.length === 0) throw new Error('combineRounds needs at least one round');
  const bySpeed = [...rounds].sort((a, b) => a.listingsPerSecond - b.listingsPerSecond);
  const median = bySpeed[Math.floor((bySpeed.length - 1) / 2)]!;
  return {
    ...median,
    peakRssMb: Math.max(...rounds.map((r) => r.peakRssMb)),
    rounds: rounds.map((r) => ({
      seconds: r.seconds,
      listingsPerSecond: r.listingsPerSecond,
      cpuMsPerListing: r.cpuMsPerListing,
      ...(r.serverCpuMsPerListing === undefined ? {} : { serverCpuMsPerListing: r.serverCpuMsPerListing }),
      peakRssMb: r.peakRssMb,
      load: r.load,
    })),
  };
}

/** "median of 3 rounds: 2050, 2118, 2300/s" — empty for a single round (or results without rounds). */
export function roundsText(rounds: readonly IngestRound[] | undefined): string {
  if (!rounds || rounds.length < 2) return '';
  return `median of ${rounds.length} rounds: ${rounds.map((r) => Math.round(r.listingsPerSecond)).join(', ')}/s`;
}
