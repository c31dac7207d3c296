// Headless Chromium for sources that need rendering. MAX_BROWSER_CONTEXTS is a hard cap read
// for every job (so a runtime flag change takes effect at once); while ENABLE_BROWSER_POOL is
// off or the cap is reached, jobs wait in order rather than being dropped. Each job gets a
// fresh context; the browser is retired after N pages or above a memory ceiling; a crash or
// disconnect relaunches it and retries the job (at most twice); a hard deadline bounds the
// whole job on top of the 30 s navigation timeout.
import { withRetries } from '../../common/retry.js';
import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';

// playwright-core is loaded on the first launch, so replicas that never render stay small.
const require = createRequire(import.meta.url);
const loadChromium = () => (require('playwright-core') as typeof import('playwright-core')).chromium;
import type { Registry } from 'prom-client';
import { SIGNALS, type Signals } from '../../observability/index.js';
import type { Clock } from '../../common/clock.js';
import { assertPublicHost, checkUrlAllowed, type HostPolicy } from '../../common/net-guard.js';
import type { PageRenderer, RenderedPage } from '../sources/types.js';
import { PoolMetrics } from './pool-metrics.js';
import { isAlive, processTree, residentBytes } from './process-tree.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PoolLimits {
  enabled: boolean;
  maxContexts: number;
}

export interface BrowserPoolOptions {
  chromiumPath: string;
  /** Read before every job start: the flags ENABLE_BROWSER_POOL and MAX_BROWSER_CONTEXTS. */
  limits: () => PoolLimits;
  clock: Clock;
  registry?: Registry | null;
  signals?: Signals | null;
  pagesPerBrowser?: number;
  memoryCeilingBytes?: number;
  navigationTimeoutMs?: number;
  jobTimeoutMs?: number;
  maxRetries?: number;
  userAgent?: string;
  /** Launch, crash, retry and recycle events, for logs and tests. */
  onEvent?: (event: PoolEvent) => void;
}

export type PoolEvent =
  | { type: 'launch'; browser: number; pid: number | null }
  | { type: 'crash'; browser: number; activeJobs: number }
  | { type: 'retry'; attempt: number; error: string }
  | { type: 'recycle'; browser: number; reason: 'pages' | 'memory' }
  | { type: 'timeout'; afterMs: number };

export class PoolClosedError extends Error {
  override name = 'PoolClosedError';
}
/** A job's browser disconnected under it (crash, OOM kill): the job may be retried on a new one. */
class BrowserLost extends Error {
  constructor(override readonly cause: unknown) {
    super('browser disconnected');
  }
}

export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

interface LiveBrowser {
  id: number;
  browser: Browser;
  pages: number;
  contexts: number;
  retiring: boolean;
  pids: Set<number>;
}

export class BrowserPool implements PageRenderer {
  readonly metrics: PoolMetrics;
  private readonly marker = `--dealerscope-pool=${randomUUID()}`;
  private readonly waiters: Array<() => void> = [];
  private readonly browsers = new Set<LiveBrowser>();
  private current: LiveBrowser | null = null;
  private launching: Promise<LiveBrowser> | null = null;
  private active = 0;
  private seq = 0;
  private closed = false;
  private recheck: { cancel(): void } | null = null;
  private readonly o: Required<Omit<BrowserPoolOptions, 'registry' | 'signals' | 'onEvent'>> & Pick<BrowserPoolOptions, 'onEvent'>;

  constructor(opts: BrowserPoolOptions) {
    this.o = {
      pagesPerBrowser: 100,
      memoryCeilingBytes: 1_500 * 1024 * 1024,
      navigationTimeoutMs: 30_000,
      jobTimeoutMs: 90_000,
      maxRetries: 2,
      userAgent: 'DealerScopeBot/5.0 (+https://dealerscope.example/bot)',
      ...opts,
    };
    this.metrics = new PoolMetrics(opts.registry ?? null, {
      active: () => this.active,
      queued: () => this.waiters.length,
      limit: () => this.readLimits().maxContexts,
      browsers: () => this.browsers.size,
    });
    opts.signals?.register(SIGNALS.browserPoolFailureRatio, () => this.metrics.failureRatio());
    opts.signals?.register(SIGNALS.browserPageLoadP95Seconds, () => this.metrics.loadP95());
  }

  get stats() {
    return { active: this.active, queued: this.waiters.length, browsers: this.browsers.size };
  }

  /** The marker switch on this pool's browser processes (for `pgrep -f`). */
  get processMarker(): string {
    return this.marker;
  }

  /** Every Chromium process of this pool: browsers and their renderers, GPU and zygote processes. */
  chromiumPids(): number[] {
    return processTree(this.marker);
  }

  /** Re-reads the limits now; call on flag changes. */
  wake(): void {
    this.pump();
  }

  async render(url: string, policy: HostPolicy): Promise<RenderedPage> {
    const target = new URL(url);
    await assertPublicHost(target, policy);
    return this.run(async (page) => {
      // Sub-resources obey the same allow-list as the page; nothing else leaves the browser.
      await page.route('**/*', (route) => {
        try {
          checkUrlAllowed(new URL(route.request().url()), policy);
          return route.continue();
        } catch {
          return route.abort('blockedbyclient');
        }
      });
      const started = performance.now();
      const res = await page.goto(target.href, { waitUntil: 'load' });
      this.metrics.recordLoad((performance.now() - started) / 1000);
      const html = await page.content();
      return {
        url: page.url(),
        status: res?.status() ?? 0,
        html,
        fetchedAt: new Date(this.o.clock.now()),
        hash: createHash('sha256').update(html).digest('hex'),
      };
    });
  }

  /** Runs a job on a fresh page in a fresh context, waiting for a slot under the cap. */
  async run<T>(job: (page: Page) => Promise<T>): Promise<T> {
    await this.acquire();
    let timer: { cancel(): void } | null = null;
    let timedOut = false;
    const openContexts = new Set<{ close(): Promise<void> }>();
    const deadline = new Promise<never>((_, reject) => {
      timer = this.o.clock.setTimeout(() => {
        timedOut = true;
        this.o.onEvent?.({ type: 'timeout', afterMs: this.o.jobTimeoutMs });
        for (const c of openContexts) void c.close().catch(() => {});
        reject(new JobTimeoutError(`browser job exceeded its hard timeout of ${this.o.jobTimeoutMs} ms`));
      }, this.o.jobTimeoutMs);
    });
    deadline.catch(() => {});
    try {
      return await withRetries(
        {
          attempts: this.o.maxRetries + 1,
          retryOn: (err) => err instanceof BrowserLost,
          onRetry: (attempt, err) => {
            this.metrics.retries.inc();
            this.o.onEvent?.({ type: 'retry', attempt, error: ((err as BrowserLost).cause as Error).message.split('\n')[0]! });
          },
        },
        async () => {
          const live = await Promise.race([this.browser(), deadline]);
          live.contexts += 1;
          let context: Awaited<ReturnType<Browser['newContext']>> | null = null;
          try {
            context = await Promise.race([live.browser.newContext({ userAgent: this.o.userAgent, serviceWorkers: 'block' }), deadline]);
            openContexts.add(context);
            const page = await Promise.race([context.newPage(), deadline]);
            page.setDefaultNavigationTimeout(this.o.navigationTimeoutMs);
            page.setDefaultTimeout(this.o.navigationTimeoutMs);
            const result = await Promise.race([job(page), deadline]);
            this.metrics.recordOutcome('ok');
            return result;
          } catch (err) {
            if (timedOut || err instanceof JobTimeoutError) {
              this.metrics.recordOutcome('timeout');
              throw err;
            }
            // Only a browser that went away mid-job earns another attempt, on a fresh one.
            if (!live.browser.isConnected() && !this.closed) throw new BrowserLost(err);
            this.metrics.recordOutcome('failed');
            throw err;
          } finally {
            if (context) {
              openContexts.delete(context);
              await context.close().catch(() => {});
            }
            live.contexts -= 1;
            live.pages += 1;
            this.maybeRetire(live);
          }
        },
      ).catch((err: unknown) => {
        if (!(err instanceof BrowserLost)) throw err;
        this.metrics.recordOutcome('failed');
        throw err.cause;
      });
    } finally {
      (timer as { cancel(): void } | null)?.cancel();
      this.active -= 1;
      this.pump();
    }
  }

  /** Stops taking jobs, fails queued ones, closes every browser and kills any straggler process. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.recheck?.cancel();
    for (const w of this.waiters.splice(0)) w();
    const pids = new Set(this.chromiumPids());
    for (const b of this.browsers) for (const p of b.pids) pids.add(p);
    await this.launching?.catch(() => null);
    await Promise.all([...this.browsers].map((b) => b.browser.close().catch(() => {})));
    this.browsers.clear();
    this.current = null;
    for (const pid of [...pids, ...this.chromiumPids()]) {
      if (isAlive(pid))
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
    }
  }

  private readLimits(): PoolLimits {
    const l = this.o.limits();
    return { enabled: l.enabled, maxContexts: Math.max(0, Math.floor(l.maxContexts)) };
  }

  private canStart(): boolean {
    const l = this.readLimits();
    return l.enabled && this.active < l.maxContexts;
  }

  private async acquire(): Promise<void> {
    if (this.closed) throw new PoolClosedError('browser pool is shut down');
    if (this.waiters.length === 0 && this.canStart()) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.closed) throw new PoolClosedError('browser pool shut down while the job was queued');
  }

  private pump(): void {
    while (!this.closed && this.waiters.length > 0 && this.canStart()) {
      this.active += 1;
      this.waiters.shift()!();
    }
    // Flags can change without an event reaching this process (another replica's override);
    // while jobs wait, look again every second.
    this.recheck?.cancel();
    this.recheck = this.waiters.length > 0 && !this.closed ? this.o.clock.setTimeout(() => this.pump(), 1_000) : null;
  }

  private browser(): Promise<LiveBrowser> {
    if (this.closed) return Promise.reject(new PoolClosedError('browser pool is shut down'));
    const cur = this.current;
    if (cur && cur.browser.isConnected() && !cur.retiring) return Promise.resolve(cur);
    this.launching ??= this.launch().finally(() => {
      this.launching = null;
    });
    return this.launching;
  }

  private async launch(): Promise<LiveBrowser> {
    let browser: Browser;
    try {
      browser = await loadChromium().launch({
        executablePath: this.o.chromiumPath,
        args: [...CHROMIUM_ARGS, `${this.marker}.${this.seq + 1}`],
        timeout: 30_000,
      });
    } catch (err) {
      this.metrics.launches.inc({ outcome: 'failed' });
      throw new Error(`cannot launch Chromium at ${this.o.chromiumPath}: ${(err as Error).message.split('\n')[0]}`);
    }
    this.metrics.launches.inc({ outcome: 'ok' });
    const live: LiveBrowser = { id: ++this.seq, browser, pages: 0, contexts: 0, retiring: false, pids: new Set() };
    for (const pid of processTree(`${this.marker}.${live.id}`)) live.pids.add(pid);
    browser.on('disconnected', () => {
      this.browsers.delete(live);
      if (this.current === live) this.current = null;
      if (!live.retiring && !this.closed) {
        this.metrics.crashes.inc();
        this.o.onEvent?.({ type: 'crash', browser: live.id, activeJobs: live.contexts });
      }
      // A crashed browser can leave renderers behind; they belong to no one now.
      for (const pid of live.pids)
        if (isAlive(pid))
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
    });
    this.browsers.add(live);
    this.current = live;
    this.o.onEvent?.({ type: 'launch', browser: live.id, pid: [...live.pids][0] ?? null });
    return live;
  }

  private maybeRetire(live: LiveBrowser): void {
    if (!live.retiring) {
      let reason: 'pages' | 'memory' | null = null;
      if (live.pages >= this.o.pagesPerBrowser) reason = 'pages';
      else {
        for (const pid of processTree(`${this.marker}.${live.id}`)) live.pids.add(pid);
        if (residentBytes([...live.pids].filter(isAlive)) > this.o.memoryCeilingBytes) reason = 'memory';
      }
      if (reason) {
        live.retiring = true;
        if (this.current === live) this.current = null;
        this.metrics.recycles.inc({ reason });
        this.o.onEvent?.({ type: 'recycle', browser: live.id, reason });
      }
    }
    if (live.retiring && live.contexts === 0) {
      this.browsers.delete(live);
      void live.browser.close().catch(() => {});
    }
  }
}
