// Polite HTTP for one auction source: a request budget per run and per day, a minimum delay
// between requests (and robots.txt's Crawl-delay), robots.txt rules, conditional GET with a
// body cache, exponential backoff with jitter on transient failures, the source's circuit
// breaker, and the no-SSRF address policy on every hop (redirects included). Search APIs that
// are asked by POST (the maestro API behind GovDeals and AllSurplus) get the same courtesies
// except the body cache: a POST answer is never reused.
import { withRetries } from '../../common/retry.js';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import { Agent, fetch } from 'undici';
import type { Clock } from '../../common/clock.js';
import type { Random } from '../../common/random.js';
import { BlockedAddressError, checkUrlAllowed, guardedLookup, type HostPolicy } from '../../common/net-guard.js';
import type { SnapshotSink } from '../evidence-sink.js';
import { BodyEncodingError, bodyText } from './body-text.js';

export interface Etiquette {
  userAgent: string;
  /** Minimum gap between two requests of this source. */
  delayMs: number;
  maxRequestsPerRun: number;
  maxRequestsPerDay: number;
  /** Per request, headers and body together. */
  timeoutMs: number;
  /** Attempts per URL including the first. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxBodyBytes: number;
  /**
   * Honour robots.txt (the default). An operator may switch it off for an official API used with
   * its own key under its own terms, whose host's robots.txt is written for crawlers.
   */
  robots: boolean;
}

export const DEFAULT_ETIQUETTE: Etiquette = {
  userAgent: 'DealerScopeBot/5.0 (+https://dealerscope.example/bot)',
  delayMs: 2_500,
  maxRequestsPerRun: 200,
  maxRequestsPerDay: 2_000,
  timeoutMs: 20_000,
  maxAttempts: 4,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  maxBodyBytes: 5 * 1024 * 1024,
  robots: true,
};

/** The shape of `ctx.breakers.get(name)`: runs the call or refuses while the circuit is open. */
export interface BreakerLike {
  execute<T>(fn: () => Promise<T>): Promise<T>;
  /** Opens the circuit now (a failure more calls cannot mend, such as a changed page layout). */
  trip?(): void;
}

/** One request: GET by default; headers are sent as given (API keys included, never logged). */
export interface RequestSpec {
  method?: 'GET' | 'POST';
  accept?: string;
  headers?: Record<string, string>;
  /** JSON-encoded or plain request body (POST only). */
  body?: string;
}

/**
 * The name a response is kept under as evidence: the URL of a GET; for a POST (a search API whose
 * pages share one URL) the URL plus a digest of the request body, so a replay finds each page.
 */
export function evidenceKey(url: string, spec: RequestSpec = {}): string {
  if ((spec.method ?? 'GET') === 'GET') return url;
  return `${url}#post=${createHash('sha256')
    .update(spec.body ?? '')
    .digest('hex')
    .slice(0, 16)}`;
}

export interface FetcherDeps {
  clock: Clock;
  random: Random;
  policy: HostPolicy;
  breaker?: BreakerLike | null;
  /** Waits for politeness delays and backoff; defaults to a timer on `clock`. */
  sleep?: (ms: number) => Promise<void>;
  /** Keeps every page read (200 or 304) as evidence under its hash; never throws. */
  snapshots?: SnapshotSink | null;
}

export interface FetchedPage {
  url: string;
  status: number;
  body: string;
  fetchedAt: Date;
  /** sha256 of the body, for provenance snapshots. */
  hash: string;
  /** The server answered 304 and the cached body was reused. */
  notModified: boolean;
  /** Response headers, lower-case names (those of the cached answer after a 304). */
  headers: Record<string, string>;
}

export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly retryable = false,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}
export class RobotsDisallowedError extends Error {
  override name = 'RobotsDisallowedError';
}
export class BudgetExhaustedError extends Error {
  override name = 'BudgetExhaustedError';
}

interface RobotsRules {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}
// robots-parser is CommonJS and its typings declare an ESM default export NodeNext cannot see.
const robotsParser = createRequire(import.meta.url)('robots-parser') as (url: string, body: string) => RobotsRules;

interface CachedBody {
  etag: string | null;
  lastModified: string | null;
  body: string;
  hash: string;
  headers: Record<string, string>;
}
interface RobotsEntry {
  rules: RobotsRules | 'allow-all' | 'deny-all';
  fetchedAt: number;
}

const DAY_MS = 86_400_000;
const ROBOTS_TTL_MS = 6 * 3_600_000;

// A politeness or backoff wait is work in progress: its timer keeps the process alive, or a
// one-shot `sources run` whose only pending thing is the wait would simply exit.
export const sleep = (clock: Clock, ms: number) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) resolve();
    else clock.setTimeout(resolve, ms, { keepAlive: true });
  });

export class SourceFetcher {
  readonly stats = { requests: 0, notModified: 0, retries: 0, robotsDenied: 0 };
  private readonly agent: Agent;
  private readonly bodies = new LRUCache<string, CachedBody>({ max: 500 });
  private readonly robots = new Map<string, RobotsEntry>();
  private runRequests = 0;
  private dayStart = 0;
  private dayRequests = 0;
  private lastRequestAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly source: string,
    readonly etiquette: Etiquette,
    private readonly deps: FetcherDeps,
  ) {
    this.agent = new Agent({ connect: { lookup: guardedLookup(deps.policy) as never }, keepAliveTimeout: 5_000 });
  }

  private wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return this.deps.sleep ? this.deps.sleep(ms) : sleep(this.deps.clock, ms);
  }

  /** Starts a new scheduled run: the per-run budget refills. */
  beginRun(): void {
    this.runRequests = 0;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** GET with every courtesy; throws RobotsDisallowedError, BudgetExhaustedError or FetchError. */
  get(url: string, accept = '*/*'): Promise<FetchedPage> {
    return this.request(url, { accept });
  }

  /** Any request with every courtesy (robots, budget, delay, retries, breaker, address policy). */
  async request(url: string, spec: RequestSpec = {}): Promise<FetchedPage> {
    const target = new URL(url);
    checkUrlAllowed(target, this.deps.policy);
    if (!(await this.robotsAllow(target))) {
      this.stats.robotsDenied += 1;
      throw new RobotsDisallowedError(
        `robots.txt of ${target.origin} disallows ${target.pathname}${target.search} for ${this.etiquette.userAgent}`,
      );
    }
    return this.withRetries(target, spec);
  }

  private withRetries(target: URL, spec: RequestSpec): Promise<FetchedPage> {
    return withRetries(
      {
        attempts: this.etiquette.maxAttempts,
        retryOn: (err) => err instanceof FetchError && err.retryable,
        delayMs: (attempt, err) => this.backoffMs(attempt, (err as FetchError).retryAfterMs),
        wait: (ms) => this.wait(ms),
        onRetry: () => {
          this.stats.retries += 1;
        },
      },
      async () => {
        // The politeness wait happens outside the breaker, so it never counts as a slow call.
        await this.spendBudget(this.crawlDelayMs(target));
        const run = () => this.once(target, spec);
        return this.deps.breaker ? await this.deps.breaker.execute(run) : await run();
      },
    );
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
  backoffMs(attempt: number, retryAfterMs: number | null = null): number {
    const ceiling = Math.min(this.etiquette.backoffMaxMs, this.etiquette.backoffBaseMs * 2 ** (attempt - 1));
    const jittered = ceiling / 2 + this.deps.random() * (ceiling / 2);
    // Never sooner than Retry-After asks (a longer ask is not retried at all: see once()).
    return Math.round(Math.max(jittered, retryAfterMs ?? 0));
  }

  private async spendBudget(extraDelayMs: number): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.dayStart >= DAY_MS) {
      this.dayStart = now;
      this.dayRequests = 0;
    }
    if (this.runRequests >= this.etiquette.maxRequestsPerRun)
      throw new BudgetExhaustedError(`${this.source}: request budget of ${this.etiquette.maxRequestsPerRun} per run spent`);
    if (this.dayRequests >= this.etiquette.maxRequestsPerDay)
      throw new BudgetExhaustedError(`${this.source}: daily request budget of ${this.etiquette.maxRequestsPerDay} spent`);
    this.runRequests += 1;
    this.dayRequests += 1;
    const wait = this.lastRequestAt + Math.max(this.etiquette.delayMs, extraDelayMs) - now;
    this.lastRequestAt = Math.max(now, now + wait);
    await this.wait(wait);
  }

  private async once(target: URL, spec: RequestSpec, hops = 0): Promise<FetchedPage> {
    if (hops > 0) await this.spendBudget(this.crawlDelayMs(target));
    const method = spec.method ?? 'GET';
    const cached = method === 'GET' ? this.bodies.get(target.href) : undefined;
    const headers: Record<string, string> = { ...spec.headers, 'user-agent': this.etiquette.userAgent, accept: spec.accept ?? '*/*' };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    const abort = new AbortController();
    const timer = this.deps.clock.setTimeout(() => abort.abort(), this.etiquette.timeoutMs);
    this.stats.requests += 1;
    try {
      const res = await fetch(target, {
        method,
        headers,
        body: method === 'POST' ? spec.body : undefined,
        redirect: 'manual',
        signal: abort.signal,
        dispatcher: this.agent,
      });
      const fetchedAt = new Date(this.deps.clock.now());
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel();
        const location = res.headers.get('location');
        if (!location || hops >= 3) throw new FetchError(`${target.href}: redirect without location or too many redirects`, res.status);
        const next = new URL(location, target);
        checkUrlAllowed(next, this.deps.policy);
        if (!(await this.robotsAllow(next))) throw new RobotsDisallowedError(`robots.txt disallows redirect target ${next.href}`);
        // A redirected POST is not replayed with its body (RFC 9110 lets clients switch to GET; APIs never should redirect).
        if (method === 'POST') throw new FetchError(`${target.href}: POST answered with a redirect to ${next.href}`, res.status);
        return this.once(next, spec, hops + 1);
      }
      if (res.status === 304 && cached) {
        await res.body?.cancel();
        this.stats.notModified += 1;
        await this.deps.snapshots?.keep({
          bytes: cached.body,
          url: target.href,
          contentType: cached.headers['content-type'] ?? null,
          hash: cached.hash,
        });
        return {
          url: target.href,
          status: 304,
          body: cached.body,
          fetchedAt,
          hash: cached.hash,
          notModified: true,
          headers: cached.headers,
        };
      }
      if (res.status === 429 || res.status >= 500) {
        await res.body?.cancel();
        const after = retryAfterMs(res.headers.get('retry-after'), this.deps.clock.now());
        // A wait longer than this source's backoff allows is not shortened (asking again early is
        // what Retry-After forbids): the run stops here and the next scheduled run asks again.
        if (after !== null && after > this.etiquette.backoffMaxMs)
          throw new FetchError(
            `${target.href}: HTTP ${res.status}, asked to wait ${Math.ceil(after / 1000)} s (Retry-After), more than backoffMaxMs ${this.etiquette.backoffMaxMs} ms; not retried before then`,
            res.status,
            false,
            after,
          );
        throw new FetchError(`${target.href}: HTTP ${res.status}`, res.status, true, after);
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new FetchError(`${target.href}: HTTP ${res.status}`, res.status);
      }
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > this.etiquette.maxBodyBytes) {
        await res.body?.cancel();
        throw new FetchError(`${target.href}: body of ${declared} bytes exceeds ${this.etiquette.maxBodyBytes}`, 200);
      }
      const buf = Buffer.from(await res.arrayBuffer());
      if (buf.length > this.etiquette.maxBodyBytes)
        throw new FetchError(`${target.href}: body exceeds ${this.etiquette.maxBodyBytes} bytes`, 200);
      let body: string;
      try {
        body = bodyText(buf, res.headers.get('content-type'));
      } catch (err) {
        if (err instanceof BodyEncodingError) throw new FetchError(`${target.href}: ${err.message}`, 200);
        throw err;
      }
      const hash = createHash('sha256').update(buf).digest('hex');
      const etag = res.headers.get('etag');
      const lastModified = res.headers.get('last-modified');
      const kept = Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v]));
      if (method === 'GET' && (etag || lastModified)) this.bodies.set(target.href, { etag, lastModified, body, hash, headers: kept });
      await this.deps.snapshots?.keep({ bytes: buf, url: evidenceKey(target.href, spec), contentType: kept['content-type'] ?? null, hash });
      return { url: target.href, status: 200, body, fetchedAt, hash, notModified: false, headers: kept };
    } catch (err) {
      if (
        err instanceof FetchError ||
        err instanceof RobotsDisallowedError ||
        err instanceof BudgetExhaustedError ||
        err instanceof BlockedAddressError
      )
        throw err;
      if (abort.signal.aborted)
        throw new FetchError(`${target.href}: no complete answer within ${this.etiquette.timeoutMs} ms`, null, true);
      // The connect-time address refusal arrives wrapped by the HTTP client.
      for (let c: unknown = err; c instanceof Error; c = (c as Error & { cause?: unknown }).cause) {
        if (c instanceof BlockedAddressError) throw c;
      }
      const e = err as Error & { cause?: Error };
      throw new FetchError(`${target.href}: ${e.cause?.message ?? e.message}`, null, true);
    } finally {
      timer.cancel();
    }
  }

  private crawlDelayMs(target: URL): number {
    const entry = this.robots.get(target.origin);
    if (!entry || typeof entry.rules === 'string') return 0;
    const seconds = entry.rules.getCrawlDelay(this.etiquette.userAgent);
    return seconds ? Math.min(seconds * 1000, 60_000) : 0;
  }

  private async robotsAllow(target: URL): Promise<boolean> {
    if (!this.etiquette.robots) return true;
    let entry = this.robots.get(target.origin);
    const now = this.deps.clock.now();
    if (!entry || now - entry.fetchedAt > ROBOTS_TTL_MS) {
      entry = { rules: await this.loadRobots(target), fetchedAt: now };
      this.robots.set(target.origin, entry);
    }
    if (entry.rules === 'allow-all') return true;
    if (entry.rules === 'deny-all') return false;
    return entry.rules.isAllowed(target.href, this.etiquette.userAgent) !== false;
  }

  // RFC 9309: a missing robots.txt (4xx) allows everything; an unreachable one (5xx, network)
  // means "assume complete disallow" until it can be read.
  private async loadRobots(target: URL): Promise<RobotsEntry['rules']> {
    const robotsUrl = new URL('/robots.txt', target.origin);
    try {
      const page = await this.withRetries(robotsUrl, { accept: 'text/plain' });
      return robotsParser(robotsUrl.href, page.body);
    } catch (err) {
      if (err instanceof FetchError && err.status !== null && err.status >= 400 && err.status < 500) return 'allow-all';
      if (err instanceof BudgetExhaustedError || err instanceof BlockedAddressError) throw err;
      return 'deny-all';
    }
  }
}

function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
