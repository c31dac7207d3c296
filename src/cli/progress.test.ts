import { describe, expect, it } from 'vitest';
import { megabytes, progressReporter } from './progress.js';

function capture(isTTY: boolean) {
  const lines: string[] = [];
  let t = 0;
  const stream = { isTTY, write: (s: string) => lines.push(s) !== 0 };
  return { lines, stream, now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progress lines', () => {
  it('writes a log line for every tenth crossed, even when no step lands on a multiple of ten', () => {
    const c = capture(false);
    const report = progressReporter('checking', { stream: c.stream, now: c.now, unit: megabytes });
    const total = 5_607_637;
    // Batches of about 7 % of the file, as the first read of a feed reports them.
    for (let done = 0; done < total; done += 392_000) {
      report(done, total);
      c.advance(300);
    }
    report(total, total);
    expect(c.lines.map((l) => /\((\d+)%\)/.exec(l)?.[1])).toEqual(['0', '13', '20', '34', '41', '55', '62', '76', '83', '90', '100']);
    expect(c.lines.at(-1)).toBe('checking: 5.3 MB/5.3 MB (100%)\n');
  });

  it('holds back redraws closer than a quarter second, except the last', () => {
    const c = capture(true);
    const report = progressReporter('listings', { stream: c.stream, now: c.now });
    report(10, 100);
    c.advance(100);
    report(20, 100);
    c.advance(200);
    report(30, 100);
    report(100, 100);
    expect(c.lines).toEqual(['\rlistings: 10/100 (10%)', '\rlistings: 30/100 (30%)', '\rlistings: 100/100 (100%)\n']);
  });
});
