// The API service's V8 heap settings: the same everywhere it starts, and a cache byte budget that
// cannot fit the heap is refused at start-up with a message naming both settings.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheSettings, DEFAULT_CACHE_MAX_BYTES } from '../src/cache/settings.js';
import { ConfigError } from '../src/config/env.js';
import { SERVICE_HEAP_OPTIONS, SERVICE_MALLOC_ENV } from '../src/http/heap-options.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ds-heap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The heap limit V8 reports in a process started with `options`. */
async function heapLimit(options: readonly string[]): Promise<number> {
  const { stdout } = await run(process.execPath, [...options, '-p', 'require("node:v8").getHeapStatistics().heap_size_limit']);
  return Number(stdout.trim());
}

describe('service heap options', () => {
  it('npm start passes exactly the heap options and malloc environment the benchmark runs replicas with', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const env = Object.entries(SERVICE_MALLOC_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    expect(pkg.scripts.start).toBe(`${env} node ${SERVICE_HEAP_OPTIONS.join(' ')} dist/src/cli/main.js serve`);
  });

  it('under those options the default cache budget fits, and one past a quarter of the heap is refused', async () => {
    const limit = await heapLimit(SERVICE_HEAP_OPTIONS);
    expect(limit).toBeGreaterThan(256 * 2 ** 20);
    expect(limit).toBeLessThan(512 * 2 ** 20);
    expect(cacheSettings({}, limit).maxBytes).toBe(DEFAULT_CACHE_MAX_BYTES);
    const quarter = Math.floor(limit / 4);
    expect(cacheSettings({ CACHE_MAX_BYTES: String(quarter) }, limit).maxBytes).toBe(quarter);
    expect(() => cacheSettings({ CACHE_MAX_BYTES: String(quarter + 1) }, limit)).toThrow(ConfigError);
    expect(() => cacheSettings({ CACHE_MAX_BYTES: String(quarter + 1) }, limit)).toThrow(/CACHE_MAX_BYTES=.*--max-old-space-size/);
  });

  it('`dealerscope serve` with a cache budget its heap cannot hold exits at start-up, naming both settings', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dir, 'heap.db')}`,
      DEALERSCOPE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      CACHE_MAX_BYTES: String(64 * 2 ** 20),
    };
    const started = run(process.execPath, ['--max-old-space-size=128', join(ROOT, 'bin', 'dealerscope.js'), 'serve', '--no-sample'], {
      env,
      timeout: 30_000,
    });
    const err = await started.then(
      () => null,
      (e: { code?: number; killed?: boolean; stderr?: string }) => e,
    );
    expect(err?.killed).toBeFalsy();
    expect(err?.code).toBeGreaterThan(0);
    expect(err?.stderr).toMatch(/CACHE_MAX_BYTES=67108864 \(64 MiB\) is more than a quarter of this process's V8 heap limit \(\d+ MiB\)/);
    expect(err?.stderr).toMatch(/--max-old-space-size/);
  });
});
