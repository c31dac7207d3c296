// Fetching etiquette against the local fixture site: SSRF refusals, robots.txt, request budget
// and delay, backoff with jitter on transient failures, conditional GET, and time limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BudgetExhaustedError,
  DEFAULT_ETIQUETTE,
  FetchError,
  RobotsDisallowedError,
  SourceFetcher,
  type Etiquette,
  type FetcherDeps,
} from '../src/ingest/sources/fetcher.js';
import { BlockedAddressError, isInternalAddress } from '../src/common/net-guard.js';
import { ManualClock, systemClock } from '../src/common/clock.js';
import { seededRandom } from '../src/common/random.js';
import { startAuctionSite, type FixtureSite } from './fixtures/auction-site/server.js';

const NOW = Date.UTC(2026, 10, 26, 12);
const FIXTURE = { allowHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] };

function fetcher(etiquette: Partial<Etiquette>, deps: Partial<FetcherDeps> = {}) {
  const clock = new ManualClock(NOW);
  const sleeps: number[] = [];
  const f = new SourceFetcher(
    'test',
    { ...DEFAULT_ETIQUETTE, delayMs: 0, backoffBaseMs: 1_000, ...etiquette },
    {
      clock,
      random: seededRandom(11),
      policy: FIXTURE,
      // Politeness waits move the manual clock instead of the wall clock; the test sees every wait.
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
      ...deps,
    },
  );
  return { f, clock, sleeps };
}

describe('fetching etiquette', () => {
  let site: FixtureSite;
  let disallowing: FixtureSite;
  let flaky: FixtureSite;
  const open: SourceFetcher[] = [];
  beforeAll(async () => {
    site = await startAuctionSite({ now: NOW, gsa: [], slowMs: 200 });
    disallowing = await startAuctionSite({ now: NOW, robots: 'User-agent: *\nDisallow: /gsa/\n' });
    flaky = await startAuctionSite({ now: NOW, flakyFailures: 2 });
  });
  afterAll(async () => {
    await Promise.all(open.map((f) => f.close()));
    await Promise.all([site.close(), disallowing.close(), flaky.close()]);
  });
  const make = (...args: Parameters<typeof fetcher>) => {
    const r = fetcher(...args);
    open.push(r.f);
    return r;
  };

  it('classifies internal addresses', () => {
    for (const a of [
      '10.1.2.3',
      '127.0.0.1',
      '169.254.169.254',
      '::1',
      '192.168.1.1',
      '172.16.5.4',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '100.64.0.1',
      '0.0.0.0',
    ]) {
      expect(isInternalAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '151.101.1.69', '2606:4700::1111']) expect(isInternalAddress(a), a).toBe(false);
  });

  it('refuses private, loopback and link-local targets unless the host is explicitly allowed', async () => {
    const hosts = ['10.0.0.5', '127.0.0.1', '169.254.169.254', '[::1]', 'localhost'];
    const { f } = make({}, { policy: { allowHosts: hosts.map((h) => h.replace(/^\[|\]$/g, '')), allowPrivateHosts: [] } });
    const before = site.requests.length;
    for (const h of hosts) {
      const port = h === '127.0.0.1' || h === 'localhost' ? new URL(site.url).port : '80';
      await expect(f.get(`http://${h}:${port}/gsa/auctions`), h).rejects.toBeInstanceOf(BlockedAddressError);
    }
    // Not even robots.txt was requested from the loopback fixture.
    expect(site.requests.length).toBe(before);
  });

  it('refuses hosts off the allow-list, also as a redirect target', async () => {
    const { f } = make({});
    await expect(f.get('http://example.com/')).rejects.toThrow(/allow-list/);
    await expect(f.get(`${site.url}/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`)).rejects.toBeInstanceOf(
      BlockedAddressError,
    );
  });

  it('honours a robots.txt disallow without requesting the page', async () => {
    const { f } = make({});
    await expect(f.get(`${disallowing.url}/gsa/auctions`)).rejects.toBeInstanceOf(RobotsDisallowedError);
    expect(disallowing.requests.map((r) => r.path)).toEqual(['/robots.txt']);
    expect(f.stats.robotsDenied).toBe(1);
  });

  it('etiquette.robots false (an official API under its own terms) neither reads robots.txt nor obeys it', async () => {
    const { f } = make({ robots: false });
    const before = disallowing.requests.length;
    expect((await f.get(`${disallowing.url}/gsa/auctions`)).status).toBe(200);
    expect(disallowing.requests.slice(before).map((r) => r.path)).toEqual(['/gsa/auctions']);
  });

  it('spends the per-run budget (robots.txt included) and waits the delay between requests', async () => {
    const { f, sleeps } = make({ maxRequestsPerRun: 3, delayMs: 2_500 });
    await f.get(`${site.url}/gsa/auctions`);
    await f.get(`${site.url}/feeds/lots.csv`);
    await expect(f.get(`${site.url}/ps/sms/browse/cataucs`)).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(sleeps).toEqual([2_500, 2_500]);
    f.beginRun();
    expect((await f.get(`${site.url}/ps/sms/browse/cataucs`)).status).toBe(200);
  });

  it('answers a repeat from its cache after a 304', async () => {
    const { f } = make({});
    const first = await f.get(`${site.url}/gsa/auctions`);
    const second = await f.get(`${site.url}/gsa/auctions`);
    expect([first.notModified, second.notModified]).toEqual([false, true]);
    expect(second.body).toBe(first.body);
    expect(second.hash).toBe(first.hash);
  });

  it('backs off exponentially with jitter from the injected random source, then succeeds', async () => {
    const { f, sleeps } = make({ maxAttempts: 4, backoffBaseMs: 1_000 });
    const page = await f.get(`${flaky.url}/flaky/gsa/auctions`);
    expect(page.status).toBe(200);
    expect(f.stats.retries).toBe(2);
    const r = seededRandom(11);
    const expected = [1, 2].map((attempt) => {
      const ceil = 1_000 * 2 ** (attempt - 1);
      return Math.round(ceil / 2 + r() * (ceil / 2));
    });
    expect(sleeps).toEqual(expected);
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1_000);
  });

  it('waits at least what Retry-After asks, and does not retry early when it asks more than the backoff allows', async () => {
    const asking = await startAuctionSite({ now: NOW, flakyFailures: 1, flakyRetryAfter: '5' });
    const stubborn = await startAuctionSite({ now: NOW, flakyFailures: 1, flakyRetryAfter: '120' });
    try {
      const { f, sleeps } = make({ maxAttempts: 3, backoffBaseMs: 100, backoffMaxMs: 10_000 });
      expect((await f.get(`${asking.url}/flaky/gsa/auctions`)).status).toBe(200);
      // The jittered backoff would be 50–100 ms; the source asked for 5 s, and gets them.
      expect(sleeps).toEqual([5_000]);

      const short = make({ maxAttempts: 3, backoffBaseMs: 100, backoffMaxMs: 1_000 });
      const err = await short.f.get(`${stubborn.url}/flaky/gsa/auctions`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FetchError);
      expect((err as FetchError).message).toMatch(/asked to wait 120 s \(Retry-After\), more than backoffMaxMs 1000 ms/);
      expect(short.sleeps).toEqual([]);
      expect(stubborn.requests.filter((r) => r.path.startsWith('/flaky/'))).toHaveLength(1);
    } finally {
      await Promise.all([asking.close(), stubborn.close()]);
    }
  });

  it('gives up on a server that never answers, and still reads a slow one', async () => {
    const { f } = make({ timeoutMs: 400, maxAttempts: 1 }, { clock: systemClock });
    await expect(f.get(`${site.url}/hang/gsa/auctions`)).rejects.toThrow(FetchError);
    await expect(f.get(`${site.url}/hang/gsa/auctions`)).rejects.toThrow(/within 400 ms/);
    const slow = make({ timeoutMs: 5_000 }, { clock: systemClock });
    expect((await slow.f.get(`${site.url}/slow/gsa/auctions`)).status).toBe(200);
  });
});
