// The browser pool against real headless Chromium and the local fixture site: the cap under
// twice the load, a runtime cap change, waiting while the pool is off, recycling, a crash
// (the Chromium process killed mid-job) with relaunch and retry, the hard job timeout, and no
// Chromium process left after shutdown.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool, JobTimeoutError, type BrowserPoolOptions, type PoolEvent, type PoolLimits } from '../src/ingest/browser/pool.js';
import { isAlive } from '../src/ingest/browser/process-tree.js';
import { Signals } from '../src/observability/signals.js';
import { systemClock } from '../src/common/clock.js';
import { startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';
import { CHROMIUM_PATH, requireChromium } from './support/chromium.js';
import { waitFor } from './support/wait-for.js';

const hasChromium = requireChromium();
const policy = { allowHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] };

function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch (err) {
    // Exit 1 is "nothing matches"; any other failure (pgrep not run, a bad pattern) is not "none".
    if ((err as { status?: number }).status === 1) return [];
    throw err;
  }
}

describe.runIf(hasChromium)('browser pool', () => {
  let site: FixtureSite;
  const pools: BrowserPool[] = [];
  beforeAll(async () => {
    site = await startAuctionSite({ now: Date.now() });
  });
  afterAll(async () => {
    await site.close();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.shutdown()));
  });

  const makePool = (limits: PoolLimits | (() => PoolLimits), extra: Partial<BrowserPoolOptions> = {}) => {
    const pool = new BrowserPool({
      chromiumPath: CHROMIUM_PATH,
      clock: systemClock,
      limits: typeof limits === 'function' ? limits : () => limits,
      ...extra,
    });
    pools.push(pool);
    return pool;
  };
  const pageUrl = (id: number, delay = 0) => `${site.url}/browser/page?id=${id}&delay=${delay}`;

  /** Runs jobs that each hold their page for a while and records how many ran at once. */
  function tracked(pool: BrowserPool) {
    let now = 0;
    const peaks: number[] = [];
    const job = (id: number, delay: number) =>
      pool.run(async (page) => {
        now += 1;
        peaks.push(now);
        try {
          await page.goto(pageUrl(id, delay));
          return Number(await page.textContent('#n'));
        } finally {
          now -= 1;
        }
      });
    return { job, peak: () => Math.max(0, ...peaks) };
  }

  it('renders through a fresh context per job and honours the cap under twice the load', async () => {
    const cap = 3;
    const pool = makePool({ enabled: true, maxContexts: cap });
    const t = tracked(pool);
    const ids = Array.from({ length: cap * 2 }, (_, i) => i + 1);
    const results = await Promise.all(ids.map((id) => t.job(id, 300)));
    expect(results).toEqual(ids);
    expect(t.peak()).toBe(cap);
    const rendered = await pool.render(pageUrl(42), policy);
    expect(rendered.html).toContain('<p id="n">42</p>');
    expect(rendered.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('follows a cap change at runtime and queues (not drops) while the pool is off', async () => {
    let limits: PoolLimits = { enabled: false, maxContexts: 4 };
    const pool = makePool(() => limits);
    const t = tracked(pool);
    const first = Array.from({ length: 4 }, (_, i) => t.job(i, 200));
    await waitFor('four jobs queued', () => pool.stats.queued === 4);
    expect(pool.stats).toMatchObject({ active: 0, queued: 4 });
    limits = { enabled: true, maxContexts: 1 };
    pool.wake();
    await Promise.all(first);
    expect(t.peak()).toBe(1);
    limits = { enabled: true, maxContexts: 4 };
    const t2 = tracked(pool);
    // Each job holds its page long enough that four are open at once even when a context takes a
    // second to open on a loaded machine.
    await Promise.all(Array.from({ length: 8 }, (_, i) => t2.job(i, 1500)));
    expect(t2.peak()).toBe(4);
  });

  it('recycles the browser after N pages and above the memory ceiling', async () => {
    const events: PoolEvent[] = [];
    const pool = makePool({ enabled: true, maxContexts: 1 }, { pagesPerBrowser: 2, onEvent: (e) => events.push(e) });
    for (let i = 0; i < 5; i++) await tracked(pool).job(i, 0);
    expect(events.filter((e) => e.type === 'recycle' && e.reason === 'pages')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'launch')).toHaveLength(3);

    const memEvents: PoolEvent[] = [];
    const tiny = makePool({ enabled: true, maxContexts: 1 }, { memoryCeilingBytes: 1024, onEvent: (e) => memEvents.push(e) });
    await tracked(tiny).job(1, 0);
    await tracked(tiny).job(2, 0);
    expect(memEvents.filter((e) => e.type === 'recycle' && e.reason === 'memory')).toHaveLength(2);
  });

  it('relaunches and retries the job when Chromium is killed mid-job', async () => {
    const events: PoolEvent[] = [];
    const signals = new Signals();
    const pool = makePool({ enabled: true, maxContexts: 2 }, { onEvent: (e) => events.push(e), signals });
    let attempts = 0;
    let navigating!: () => void;
    const firstNavigation = new Promise<void>((resolve) => {
      navigating = resolve;
    });
    const job = pool.run(async (page) => {
      attempts += 1;
      if (attempts === 1) setTimeout(navigating, 300);
      await page.goto(pageUrl(7, attempts === 1 ? 5_000 : 0));
      return Number(await page.textContent('#n'));
    });
    await firstNavigation;
    const launched = events.find((e) => e.type === 'launch');
    const mainPid = launched?.type === 'launch' ? launched.pid : null;
    expect(mainPid).toBeGreaterThan(0);
    process.kill(mainPid!, 'SIGKILL');
    const result = await job;
    expect(result).toBe(7);
    expect(attempts).toBe(2);
    expect(events.map((e) => e.type)).toEqual(['launch', 'crash', 'retry', 'launch']);
    expect(signals.read('browser_pool_failure_ratio')).toBe(0);
  });

  it('gives up after two retries when the browser keeps dying', async () => {
    const events: PoolEvent[] = [];
    const pool = makePool({ enabled: true, maxContexts: 1 }, { onEvent: (e) => events.push(e) });
    const job = pool.run(async (page) => {
      // Every process of the pool's browser: on a loaded machine the lowest pid could still be
      // the previous attempt's dying browser, and killing only that left this one to finish.
      setTimeout(() => {
        for (const pid of pool.chromiumPids()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }, 200);
      await page.goto(pageUrl(1, 3_000));
    });
    await expect(job).rejects.toThrow();
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
    expect(pool.metrics.failureRatio()).toBe(1);
  });

  it('ends a job at its hard timeout even when the page never answers', async () => {
    const pool = makePool({ enabled: true, maxContexts: 1 }, { jobTimeoutMs: 4_000 });
    await expect(pool.run((page) => page.goto(`${site.url}/hang/forever`))).rejects.toBeInstanceOf(JobTimeoutError);
    expect(await tracked(pool).job(5, 0)).toBe(5);
  });

  it('leaves no Chromium process after shutdown and fails jobs still queued', async () => {
    const pool = new BrowserPool({ chromiumPath: CHROMIUM_PATH, clock: systemClock, limits: () => ({ enabled: true, maxContexts: 1 }) });
    const marker = pool.processMarker.replace(/^--/, '');
    const running = pool.run((page) => page.goto(pageUrl(1, 2_000)));
    const queued = pool.run((page) => page.goto(pageUrl(2)));
    const outcomes = [
      running.then(
        () => 'ok',
        (e: Error) => e.message,
      ),
      queued.then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    ];
    const pids = await waitFor('Chromium running the first job', () => {
      const now = pool.chromiumPids();
      return now.length > 1 ? now : null;
    });
    // Waited for, not read once: under a loaded CI run one pgrep just after the pool's own /proc
    // walk found the browser's processes saw none. A marker never passed still times out here.
    await waitFor('pgrep -f finding the marker', () => pgrep(marker).length > 0);
    await pool.shutdown();
    expect(await outcomes[1]).toMatch(/shut down/);
    await outcomes[0];
    await waitFor('every Chromium process of the pool gone', () => pgrep(marker).length === 0, { timeoutMs: 5_000 });
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
