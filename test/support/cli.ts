// The dealerscope command run in a child process as an operator runs it: its exit code and output
// whether it succeeded or not (execFile rejects on any exit but 0).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const CLI_ENTRY = new URL('../../bin/dealerscope.js', import.meta.url).pathname;
const run = promisify(execFile);

export interface CliResult {
  /** The exit code; -1 when the process did not exit by itself (killed at the timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_ENTRY, ...args], { env, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
