// Browser-pool page times at a given MAX_BROWSER_CONTEXTS: renders PublicSurplus-shaped detail
// pages (text written by script) from the local fixture site through the real pool and
// headless Chromium, and reports p50/p95/max navigation time, throughput and failures.
// Bounded: `node dist/bench/browser-pool.js [pages=60] [caps=3,10]`, 127.0.0.1 only. With
// KILL_AFTER=n the Chromium browser process is SIGKILLed after n pages, to see the recovery.
import { BrowserPool, type PoolEvent } from '../src/ingest/browser/pool.js';
import { systemClock } from '../src/common/clock.js';
import { makeLots, startAuctionSite } from '../test/fixtures/auction-site/server.js';

const pages = Math.min(200, Number(process.argv[2] ?? 60));
const caps = (process.argv[3] ?? '3,10').split(',').map(Number);
const killAfter = process.env.KILL_AFTER ? Number(process.env.KILL_AFTER) : null;
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const pct = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

const now = Date.now();
const lots = makeLots(pages, 42, now);
const site = await startAuctionSite({ now, publicsurplus: lots, scriptedDetails: true });
const policy = { allowHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] };
try {
  for (const cap of caps) {
    const events: PoolEvent[] = [];
    const pool = new BrowserPool({
      chromiumPath,
      clock: systemClock,
      limits: () => ({ enabled: true, maxContexts: cap }),
      onEvent: (e) => events.push(e),
    });
    // Launch outside the measurement: the first page would otherwise carry Chromium's start-up.
    await pool.render(`${site.url}/sms/auction/view?auc=${lots[0]!.id}`, policy);
    const times: number[] = [];
    let failures = 0;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, pool.stats.active);
    }, 10);
    const started = performance.now();
    await Promise.all(
      lots.map(async (lot) => {
        const t0 = performance.now();
        try {
          const page = await pool.render(`${site.url}/sms/auction/view?auc=${lot.id}`, policy);
          if (!page.html.includes(lot.vin)) throw new Error('rendered page lacks the script-written VIN');
        } catch {
          failures += 1;
        }
        times.push(performance.now() - t0);
        if (killAfter !== null && times.length === killAfter) {
          const launch = [...events].reverse().find((e) => e.type === 'launch');
          const pid = launch?.type === 'launch' ? launch.pid : null;
          console.error(
            `killing Chromium browser process ${pid} after ${times.length} pages with ${pool.stats.active} contexts active, ${pool.stats.queued} queued`,
          );
          if (pid) process.kill(pid, 'SIGKILL');
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const navP95 = pool.metrics.loadP95();
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        maxContexts: cap,
        pages,
        failures,
        peakActive: peak,
        wallSeconds: +wall.toFixed(2),
        pagesPerSecond: +(pages / wall).toFixed(2),
        navigationP95Seconds: navP95 === null ? null : +navP95.toFixed(3),
        // Job times include the wait for a free context (all pages are submitted at once).
        jobWithQueueP50Ms: Math.round(pct(sorted, 0.5)),
        jobWithQueueP95Ms: Math.round(pct(sorted, 0.95)),
        jobWithQueueMaxMs: Math.round(sorted.at(-1)!),
        events:
          killAfter === null
            ? undefined
            : events.map((e) =>
                e.type === 'retry'
                  ? `retry#${e.attempt}: ${e.error.slice(0, 60)}`
                  : e.type === 'crash'
                    ? `crash(activeJobs=${e.activeJobs})`
                    : e.type,
              ),
        chromiumRssMb: Math.round((await import('../src/ingest/browser/process-tree.js')).residentBytes(pool.chromiumPids()) / 1048576),
      }),
    );
    await pool.shutdown();
  }
} finally {
  await site.close();
}
