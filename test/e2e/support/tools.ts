// Binaries some suites need (promtool, prometheus, Chromium). Missing ones skip a suite locally
// but fail it under CI=true, like the database helpers.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';
export const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return spawnSync(path, ['--version'], { timeout: 20_000 }).status === 0;
  } catch {
    return false;
  }
}

/** True when the binary runs; throws in CI when it does not. */
export function requireTool(path: string): boolean {
  const ok = executable(path);
  if (!ok && process.env.CI) throw new Error(`${path} is required in CI but is not installed or does not run`);
  return ok;
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
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', (err) => { clearTimeout(timer); reject(err); });
    p.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    p.stdin.end(opts.input ?? '');
  });
}
