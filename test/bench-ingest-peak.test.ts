// The benchmark's import gate is a peak RSS, and a process's peak can come in its last moments.
// /proc sampling every 50 ms cannot read a process that has exited; GNU time reports the kernel's
// own peak. This runs the bench's runner against a process whose peak is its last act.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGnuTime, runMeasured } from '../bench/ingest-run.js';

const dir = mkdtempSync(join(tmpdir(), 'ds-bench-peak-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the import benchmark’s peak RSS', () => {
  it('parses GNU time’s "%M %U %S" line and refuses anything else', () => {
    expect(parseGnuTime('204816 9.12 1.71\n')).toEqual({ peakKb: 204816, cpuSeconds: 9.12 + 1.71 });
    // GNU time prefixes a line when the command failed; the figures are on the last line.
    expect(parseGnuTime('Command exited with non-zero status 2\n165660 8.74 1.56\n')).toEqual({ peakKb: 165660, cpuSeconds: 8.74 + 1.56 });
    expect(parseGnuTime('')).toBeNull();
    expect(parseGnuTime('0:08.18elapsed 165660maxresident')).toBeNull();
  });

  it('sees 120 MB touched in the last instant before the process exits', async () => {
    // Idles at a small heap, then fills 120 MB and exits at once: a sampler waking every 50 ms
    // would most often find the process gone.
    const script = 'setTimeout(() => { const b = Buffer.alloc(120 * 1024 * 1024, 1); process.exit(b[b.length - 1] === 1 ? 0 : 1); }, 200);';
    const r = await runMeasured(['-e', script], process.env, dir);
    expect(r.measuredBy).toBe('wait4');
    expect(r.peakRssMb).toBeGreaterThan(120);
    expect(r.exitCode).toBe(0);
  });
});
