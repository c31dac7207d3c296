// `dealerscope sources …` and `dealerscope worker` as an operator runs them (the built CLI):
// a one-off scrape with its exit code, and a worker process taking jobs from the shared queue
// and draining on SIGTERM.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullScrapeQueue } from '../src/ingest/scheduler/queue.js';
import { openDb } from '../src/storage/db.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { freePort, requireRedis, SHARED_REDIS_URL, uniquePrefix } from './support/redis.js';

const run = promisify(execFile);
const CLI = new URL('../bin/dealerscope.js', import.meta.url).pathname;
const redisOk = await requireRedis();
const NOW = Date.now();
const lots = makeLots(5, 21, NOW, { 1: 'closed' });

describe('sources and worker commands', () => {
  let site: FixtureSite;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    site = await startAuctionSite({ now: NOW, gsa: lots });
    dir = mkdtempSync(join(tmpdir(), 'ds-worker-'));
    const file = join(dir, 'sources.json');
    writeFileSync(file, JSON.stringify({ sources: [{ name: 'gsa', kind: 'gsa', url: `${site.url}/gsa/auctions`, intervalSeconds: 900, etiquette: { delayMs: 0 } }] }));
    env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'w.db')}`, DEALERSCOPE_ENV: 'development', SNAPSHOT_DIR: join(dir, 'snapshots'), DEALERSCOPE_SOURCES_FILE: file, SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent' };
    delete env.REDIS_URL;
  });
  afterAll(async () => {
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    try {
      const r = await run(process.execPath, [CLI, ...args], { env: { ...env, ...extra }, timeout: 60_000 });
      return { code: 0, ...r };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  it('sources run scrapes once and exits 2 when a lot was rejected', async () => {
    const r = await cli(['sources', 'run', 'gsa']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { accepted: number; rejected: number };
    expect([report.accepted, report.rejected]).toEqual([lots.length - 1, 1]);
    expect((await cli(['sources', 'list'])).stdout).toMatch(/^gsa\tgsa\tevery 900s/m);
  });

  it('worker refuses to start without REDIS_URL', async () => {
    const r = await cli(['worker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs REDIS_URL/);
  });

  it.runIf(redisOk)('worker takes a job from the shared queue and drains on SIGTERM', async () => {
    const prefix = uniquePrefix('worker-cli').replace(/:$/, '');
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'worker', '--port', String(port), '--concurrency', '1'], {
      env: { ...env, REDIS_URL: SHARED_REDIS_URL, SCRAPE_QUEUE_PREFIX: prefix, DATABASE_URL: `sqlite:${join(dir, 'worker.db')}` }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const queue = new BullScrapeQueue({ redisUrl: SHARED_REDIS_URL, prefix });
    try {
      expect(await queue.add({ source: 'gsa', slot: 1 })).toBe(true);
      const end = Date.now() + 40_000;
      while ((await queue.counts()).completed < 1) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`worker did not finish the job: ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/dealerscope_source_runs_total\{source="gsa",outcome="ok"\} 1/);
      expect(metrics).toMatch(/dealerscope_browser_contexts\{state="active"\} 0/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const db = openDb(`sqlite:${join(dir, 'worker.db')}`);
      const n = await db.kysely.selectFrom('listings').select('lot_id').where('source', '=', 'gsa').execute();
      await db.close();
      expect(n).toHaveLength(lots.length - 1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await queue.close();
      const r = new Redis(SHARED_REDIS_URL);
      const keys: string[] = [];
      for await (const batch of r.scanStream({ match: `${prefix}:*`, count: 500 })) keys.push(...(batch as string[]));
      if (keys.length) await r.del(...keys);
      await r.quit();
    }
  });
});
