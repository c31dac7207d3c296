// `dealerscope sources …` and `dealerscope worker` as an operator runs them (the built CLI):
// a one-off scrape with its exit code, and a worker process taking jobs from the shared queue
// and draining on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullScrapeQueue } from '../src/ingest/scheduler/queue.js';
import { openDb } from '../src/storage/db.js';
import { makeLots, startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { freePort, requireRedis, SHARED_REDIS_URL, uniquePrefix } from './support/redis.js';

import { CLI_ENTRY as CLI, runCli } from './support/cli.js';
const redisOk = await requireRedis();
const NOW = Date.now();
const lots = makeLots(5, 21, NOW, { 1: 'closed' });
const psLots = makeLots(4, 22, NOW, { 2: 'no-price' });

describe('sources and worker commands', () => {
  let site: FixtureSite;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    site = await startAuctionSite({ now: NOW, gsa: lots, publicsurplus: psLots, apiKey: 'cli-key' });
    dir = mkdtempSync(join(tmpdir(), 'ds-worker-'));
    const file = join(dir, 'sources.json');
    // gsa keeps the default 2.5 s politeness delay: the run waits between robots.txt and the API.
    writeFileSync(
      file,
      JSON.stringify({
        sources: [
          { name: 'gsa', kind: 'gsa', url: `${site.url}/gsa/auctions`, apiKeyEnv: 'GSA_API_KEY', intervalSeconds: 900 },
          { name: 'ps', kind: 'publicsurplus', url: `${site.url}/ps/sms/browse/cataucs`, intervalSeconds: 900, etiquette: { delayMs: 0 } },
          {
            name: 'gsa-changed',
            kind: 'gsa',
            url: `${site.url}/gsa-changed/auctions`,
            apiKeyEnv: 'GSA_API_KEY',
            intervalSeconds: 900,
            enabled: false,
            etiquette: { delayMs: 0 },
          },
          {
            name: 'gsa-nokey',
            kind: 'gsa',
            url: `${site.url}/gsa/auctions`,
            apiKeyEnv: 'GSA_KEY_NOT_SET',
            intervalSeconds: 900,
            enabled: false,
            etiquette: { delayMs: 0 },
          },
        ],
      }),
    );
    env = {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dir, 'w.db')}`,
      DEALERSCOPE_ENV: 'development',
      SNAPSHOT_DIR: join(dir, 'snapshots'),
      DEALERSCOPE_SOURCES_FILE: file,
      SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'silent',
      GSA_API_KEY: 'cli-key',
    };
    delete env.REDIS_URL;
    delete env.GSA_KEY_NOT_SET;
  });
  afterAll(async () => {
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extra });

  it('sources run waits out the default politeness delay and ends with its report, exit 0 when every lot landed or was skipped', async () => {
    const started = Date.now();
    const r = await cli(['sources', 'run', 'gsa']);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    expect(r.stdout).toMatch(/^gsa \(gsa\): OK in /m);
    expect(r.stdout).toMatch(/found 5: accepted 4, skipped 1, rejected 0, quarantined 0/);
    expect(r.stdout).toMatch(/skipped 1× AuctionStatus/);
    expect(r.stdout).toMatch(/parse coverage 100\.0 %/);
    expect(r.stderr).toMatch(/gsa: page 1, 5 of 5 lots read/);
    expect((await cli(['sources', 'list'])).stdout).toMatch(/^gsa\tgsa\tevery 900s\t.*\tkey GSA_API_KEY set$/m);
  });

  it('sources run with no names runs every enabled source; exit 2 when a lot was rejected; --json gives the reports', async () => {
    const r = await cli(['sources', 'run', '--json']);
    expect(r.code, r.stderr).toBe(2);
    const reports = JSON.parse(r.stdout) as Array<{
      source: string;
      outcome: string;
      rejected: number;
      rejects: Array<{ reason: string }>;
    }>;
    expect(reports.map((x) => [x.source, x.outcome, x.rejected])).toEqual([
      ['gsa', 'ok', 0],
      ['ps', 'partial', 1],
    ]);
    expect(reports[1]!.rejects[0]!.reason).toMatch(/#val_\d+catGrid not found/);
  });

  it('exit 1 with a report when a source could not be read: a changed layout, a missing key', async () => {
    const changed = await cli(['sources', 'run', 'gsa-changed']);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^gsa-changed \(gsa\): FAILED/m);
    expect(changed.stdout).toMatch(/error: SourceLayoutError: .*none of the 5 lots has SaleNo, LotNo, AucEndDt, ItemName/);
    expect(changed.stderr).toMatch(/disabled in the sources file, run because named/);
    const nokey = await cli(['sources', 'run', 'gsa', 'gsa-nokey']);
    expect(nokey.code).toBe(1);
    expect(nokey.stdout).toMatch(/^gsa \(gsa\): OK/m);
    expect(nokey.stdout).toMatch(/error: MissingApiKeyError: gsa-nokey: .*apiKeyEnv/);
    const unknown = await cli(['sources', 'run', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no source named nope; configured: gsa, ps, gsa-changed, gsa-nokey/);
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
      env: { ...env, REDIS_URL: SHARED_REDIS_URL, SCRAPE_QUEUE_PREFIX: prefix, DATABASE_URL: `sqlite:${join(dir, 'worker.db')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
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
      // The job's report is in the worker's log.
      expect(stderr).toMatch(/source gsa: ok; pages 1, found 5, accepted 4, skipped 1, rejected 0, quarantined 0/);
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
