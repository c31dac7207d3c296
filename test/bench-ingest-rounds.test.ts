// The import scenario's rounds: the rate judged is the median round's, the RSS bound the highest
// round's, and the report names every round's rate.
import { describe, expect, it } from 'vitest';
import { combineRounds, roundsText, type IngestRound } from '../bench/ingest-rounds.js';
import type { IngestResult } from '../bench/ingest-run.js';
import { verdicts } from '../bench/report.js';

function result(listingsPerSecond: number, peakRssMb: number, extra: Partial<IngestResult> = {}): IngestResult {
  return {
    dialect: 'sqlite',
    rows: 20_000,
    storedBefore: 0,
    fileMb: 5.3,
    seconds: 20_000 / listingsPerSecond,
    listingsPerSecond,
    cpuMsPerListing: 1000 / listingsPerSecond,
    peakRssMb,
    load: [1, 1],
    exitCode: 2,
    measuredBy: 'wait4',
    ...extra,
  };
}

describe('combineRounds', () => {
  it('takes the median round by rate, whatever order the rounds came in, with its own CPU and time', () => {
    const c = combineRounds([result(3000, 170), result(2000, 180), result(2500, 175)]);
    expect(c.listingsPerSecond).toBe(2500);
    expect(c.seconds).toBe(8);
    expect(c.cpuMsPerListing).toBeCloseTo(0.4, 9);
    expect(c.rounds.map((r) => r.listingsPerSecond)).toEqual([3000, 2000, 2500]);
  });

  it('takes the slower middle round when the count is even', () => {
    expect(combineRounds([result(4000, 1), result(1000, 1), result(3000, 1), result(2000, 1)]).listingsPerSecond).toBe(2000);
  });

  it('holds peak RSS to the highest round, not the median one', () => {
    const c = combineRounds([result(3000, 150), result(2000, 205), result(2500, 160)]);
    expect(c.listingsPerSecond).toBe(2500);
    expect(c.peakRssMb).toBe(205);
  });

  it('keeps the server CPU of PostgreSQL rounds and leaves it out where there is none', () => {
    const pg = combineRounds([result(2000, 1, { serverCpuMsPerListing: 0.3 }), result(2200, 1, { serverCpuMsPerListing: 0.25 })]);
    expect(pg.serverCpuMsPerListing).toBe(0.3);
    expect(pg.rounds.map((r) => r.serverCpuMsPerListing)).toEqual([0.3, 0.25]);
    expect('serverCpuMsPerListing' in combineRounds([result(2000, 1)]).rounds[0]!).toBe(false);
  });

  it('refuses no rounds at all', () => {
    expect(() => combineRounds([] as IngestRound[])).toThrow(/at least one round/);
  });
});

describe('the import verdicts with rounds', () => {
  it('judge the median round and name every round; the RSS row says it is the highest', () => {
    // One round passed 5,000 a second; the median one did not.
    const slow = combineRounds([result(5200, 150), result(4800, 190), result(4900, 160)]);
    const [rate, rss] = verdicts([], {}, [], [slow]);
    expect(rate!.met).toBe(false);
    expect(rate!.measured).toMatch(/^4900\/s, /);
    expect(rate!.measured).toContain('(median of 3 rounds: 5200, 4800, 4900/s)');
    expect(rss!.measured).toBe('190.0 MB (highest of 3 rounds)');
    expect(rss!.met).toBe(true);
    // One round fell short; the median one passed.
    const [fast] = verdicts([], {}, [], [combineRounds([result(4800, 150), result(5200, 150), result(6000, 150)])]);
    expect(fast!.met).toBe(true);
    expect(fast!.measured).toMatch(/^5200\/s, /);
  });

  it('read a single run, or results written before rounds, as before', () => {
    const [rate, rss] = verdicts([], {}, [], [result(5100, 199)]);
    expect(rate!.met).toBe(true);
    expect(rate!.measured).not.toContain('rounds');
    expect(rss!.measured).toBe('199.0 MB');
    expect(roundsText(undefined)).toBe('');
  });

  it('judge the large file’s import on its peak RSS alone', () => {
    const large = result(1500, 210, { rows: 100_000, fileMb: 26.9, purpose: 'memory' });
    const judged = verdicts([], {}, [], [result(5100, 180), large]);
    expect(judged.map((v) => v.target)).toEqual([
      'import ≥ 5000 listings/s (20000 rows, into an empty database)',
      'import peak RSS ≤ 200 MB (20000 rows, 5.3 MB file, into an empty database)',
      'import peak RSS ≤ 200 MB (100000 rows, 26.9 MB file, into an empty database)',
    ]);
    expect(judged[2]!.met).toBe(false);
    expect(judged[2]!.measured).toBe('210.0 MB');
  });
});
