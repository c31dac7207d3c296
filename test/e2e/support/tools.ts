// Binaries some suites need (promtool, prometheus, Chromium). A missing one fails its suite
// unless the run opted out of it, like the database helpers (test/support/components.ts).
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { CHROMIUM_PATH } from '../../support/chromium.js';
import { requireComponent, type Component } from '../../support/components.js';

export const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';
export const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
export const CHROMIUM = CHROMIUM_PATH;
// The browser pool's own flags: the suites drive Chromium as the service does.
export { CHROMIUM_ARGS } from '../../../src/ingest/browser/pool.js';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return spawnSync(path, ['--version'], { timeout: 20_000 }).status === 0;
  } catch {
    return false;
  }
}

const COMPONENT_OF = new Map<string, Component>([
  [PROMTOOL, 'promtool'],
  [PROMETHEUS, 'prometheus'],
  [CHROMIUM, 'chromium'],
]);

/** True when the binary runs; false only when the run opted out of it; throws otherwise. */
export function requireTool(path: string): boolean {
  const component = COMPONENT_OF.get(path);
  if (!component) throw new Error(`requireTool: ${path} is not a known test component`);
  return requireComponent(component, executable(path), path);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command, optionally feeding stdin, bounded by a timeout. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(opts.input ?? '');
  });
}
