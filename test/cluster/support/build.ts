// The cluster tests run the compiled CLI exactly as production does, so they build it first
// when any source file is newer than the output. Parallel suites serialise on a lock file.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliEntry = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const BUILD_LOCK = '/tmp/dealerscope-cluster-build.lock';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function buildIsStale(): boolean {
  if (!existsSync(cliEntry)) return true;
  return newestMtime(join(repoRoot, 'src')) > statSync(cliEntry).mtimeMs;
}

/**
 * Builds dist when stale. tsc still emits when some other file in the shared checkout has a
 * type error, so a failed build only stops the tests when it left no runnable CLI behind.
 */
export function ensureBuilt(log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)): void {
  if (!buildIsStale()) return;
  const started = Date.now();
  // Staleness is checked again under the lock: a suite that waited while another built must not
  // rebuild dist under that suite's running replicas.
  const stillStale = `[ ! -f dist/src/cli/main.js ] || [ -n "$(find src -name '*.ts' -newer dist/src/cli/main.js -print -quit)" ]`;
  const res = spawnSync('flock', [BUILD_LOCK, 'sh', '-c', `if ${stillStale}; then npm run --silent build; fi`], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(0, 20).join('\n');
    if (!existsSync(cliEntry)) throw new Error(`npm run build failed and left no ${cliEntry}:\n${out}`);
    log(`cluster: npm run build reported errors (continuing with the emitted output):\n${out}`);
  }
  log(`cluster: built dist in ${Date.now() - started} ms`);
}
