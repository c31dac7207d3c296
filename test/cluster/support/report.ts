// Every cluster suite reports what it measured: printed for the run log and kept as JSON under
// reports/cluster/ for the issue note and the benchmark comparison.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './build.js';

export function reportMeasurements(name: string, measured: Record<string, unknown>): void {
  const dir = join(repoRoot, 'reports', 'cluster');
  mkdirSync(dir, { recursive: true });
  const body = { suite: name, at: new Date().toISOString(), ...measured };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
  process.stdout.write(`[cluster] ${name}: ${JSON.stringify(measured)}\n`);
}
