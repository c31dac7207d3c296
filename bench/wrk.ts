// Closed-loop load with wrk (one thread, C connections, a Lua script cycling through a path
// sequence drawn from the workload). autocannon, a Node process on the same two cores, topped out
// at 11–12 k req/s, below what bare Fastify serves, so the ratios it gave measured the client.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load.js';

export const WRK = process.env.BENCH_WRK ?? '/usr/bin/wrk';

/** Distinct draws written for wrk to cycle through: more than a run sends, so no path repeats by the cycle. */
export const WRK_PATH_DRAWS = 200_000;

// Reads the paths once per thread, sends them in order, and prints one JSON line at the end
// (latency in microseconds, as wrk measures it).
const SCRIPT = `
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
local gzip = os.getenv("WRK_GZIP") == "1"
init = function(args)
  if gzip then wrk.headers["Accept-Encoding"] = "gzip, deflate" end
end
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%f,"p95":%f,"p99":%f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
`;

export interface WrkOptions {
  connections: number;
  durationS: number;
  /** Send Accept-Encoding: gzip, deflate (what browsers and fetch send); false for plain-JSON clients. */
  gzip: boolean;
}

export function wrkAvailable(): boolean {
  return existsSync(WRK);
}

interface WrkJson {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Runs wrk against `base` over `paths` (sent in order, cycling). */
export async function runWrk(base: string, paths: string[], opts: WrkOptions): Promise<LoadResult & { seconds: number }> {
  if (!wrkAvailable()) throw new Error(`wrk not found at ${WRK}: install it (Debian/Ubuntu: apt-get install wrk) or point BENCH_WRK at it`);
  const dir = mkdtempSync(join(tmpdir(), 'ds-wrk-'));
  try {
    writeFileSync(join(dir, 'paths.txt'), `${paths.join('\n')}\n`);
    writeFileSync(join(dir, 'mix.lua'), SCRIPT);
    const args = ['-t1', `-c${opts.connections}`, `-d${opts.durationS}s`, '--timeout', '10s', '-s', join(dir, 'mix.lua'), base];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        WRK,
        args,
        { env: { ...process.env, WRK_PATHS: join(dir, 'paths.txt'), WRK_GZIP: opts.gzip ? '1' : '0' }, maxBuffer: 1 << 20 },
        (err, out, errOut) => (err ? reject(new Error(`wrk failed: ${err.message} ${errOut}`)) : resolve(out)),
      );
    });
    const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
    if (!line) throw new Error(`wrk printed no summary: ${stdout.slice(0, 500)}`);
    const w = JSON.parse(line.slice('WRKJSON '.length)) as WrkJson;
    const seconds = w.durationUs / 1e6;
    const errors = w.connect + w.read + w.write + w.timeout;
    return {
      requests: w.requests,
      rps: w.requests / seconds,
      seconds,
      p50: w.p50 / 1000,
      p95: w.p95 / 1000,
      p99: w.p99 / 1000,
      errors,
      non2xx: w.status,
      errorRate: (errors + w.status) / Math.max(1, w.requests + errors),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
