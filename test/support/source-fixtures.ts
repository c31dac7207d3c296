// The fixture sources of the adapter suites: one fixed "now", lots with known true values, a
// sources section pointing every kind (and every layout variant) at the local fixture site, and
// a comparison of stored listings with the truth.
import { ManualClock, type Clock } from '../../src/common/clock.js';
import { seededRandom } from '../../src/common/random.js';
import { defaultArbitrageParams } from '../../src/config/arbitrage.js';
import { SourceRunner } from '../../src/ingest/scheduler/source-runner.js';
import { parseSourcesConfig, type SourceConfig } from '../../src/ingest/sources/config.js';
import type { Db } from '../../src/storage/index.js';
import type { ListingRow } from '../../src/storage/schema.js';
import { makeLots, type FixtureLot } from '../fixtures/auction-site/data.js';
import type { FixtureSite } from '../fixtures/auction-site/server.js';

/** Early June: most lots close in daylight time, every fourth in November's standard time. */
export const NOW = Date.UTC(2026, 5, 1, 12);
export const API_KEY = 'fixture-api-key-7f3a';
export const SECRETS: Record<string, string> = { GSA_API_KEY: API_KEY, MAESTRO_API_KEY: API_KEY };
export const CAD_RATE = 0.73;

export const LOTS = {
  gsa: makeLots(20, 3, NOW, { 2: 'closed', 5: 'not-a-vehicle' }, [4, 9]),
  govdeals: makeLots(60, 1, NOW, { 3: 'not-a-vehicle', 7: 'sold' }, [11]),
  allsurplus: makeLots(12, 7, NOW, {}, [6]),
  publicsurplus: makeLots(30, 2, NOW, { 5: 'no-price', 8: 'not-a-vehicle' }),
  feed: makeLots(6, 4, NOW, { 1: 'not-a-vehicle' }),
};
/** AllSurplus lots priced in other currencies: two Canadian (a rate is configured), one in euros (none is). */
export const CURRENCY: Record<number, [string, number]> = {
  2: ['CAD', Math.round((LOTS.allsurplus[2]!.bid / CAD_RATE) * 100) / 100],
  6: ['CAD', Math.round((LOTS.allsurplus[6]!.bid / CAD_RATE) * 100) / 100],
  8: ['EUR', LOTS.allsurplus[8]!.bid],
};
export const ZONELESS = [5, 30];

export const landing = (lots: FixtureLot[]) => lots.filter((l) => l.rejectBecause === null);

export function sourcesFor(site: FixtureSite, extra: Array<Partial<SourceConfig> & { name: string }> = []) {
  const fast = { delayMs: 0, backoffBaseMs: 1, timeoutMs: 5_000 };
  const gsa = (name: string, path: string) => ({
    name,
    kind: 'gsa',
    url: `${site.url}${path}?format=JSON`,
    apiKeyEnv: 'GSA_API_KEY',
    intervalSeconds: 60,
    etiquette: fast,
  });
  const maestro = (name: string, kind: string, path = '/search/list') => ({
    name,
    kind,
    url: `${site.url}${path}`,
    apiKeyEnv: 'MAESTRO_API_KEY',
    intervalSeconds: 60,
    pageSize: 25,
    etiquette: fast,
    ...(kind === 'allsurplus' ? { currencyRates: { CAD: CAD_RATE } } : {}),
    search: { searchText: '', facetsFilter: ['{!tag=product_category_external_id}product_category_external_id:"t6"'] },
  });
  const ps = (name: string, path: string) => ({
    name,
    kind: 'publicsurplus',
    url: `${site.url}${path}`,
    intervalSeconds: 60,
    etiquette: fast,
  });
  return parseSourcesConfig(
    {
      sources: [
        gsa('gsa', '/gsa/auctions'),
        gsa('gsa-camel', '/gsa-camel/auctions'),
        gsa('gsa-changed', '/gsa-changed/auctions'),
        gsa('gsa-renamed', '/gsa-renamed/auctions'),
        { ...gsa('gsa-nokey', '/gsa/auctions'), apiKeyEnv: 'NOT_SET_ANYWHERE' },
        maestro('govdeals', 'govdeals'),
        maestro('allsurplus', 'allsurplus'),
        maestro('maestro-changed', 'govdeals', '/maestro-changed/search/list'),
        ps('ps-cat', '/ps/sms/browse/cataucs?catid=4'),
        ps('ps-search', '/ps/sms/all/search?keyword=vehicle'),
        ps('ps-changed', '/ps-changed/sms/browse/cataucs?catid=4'),
        ps('ps-gone', '/ps-gone/sms/browse/cataucs?catid=4'),
        { name: 'feed', kind: 'feed', url: `${site.url}/feeds/lots.csv`, intervalSeconds: 60, etiquette: fast },
        ...extra,
      ],
    },
    { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1' },
  );
}

export interface Truth {
  lot: FixtureLot;
  lotId: string;
  bidCents: number;
}

/** Field-by-field comparison of a stored listing with the lot's truth; empty when every field is right. */
export function wrongFields(row: ListingRow | undefined, t: Truth, opts: { title?: boolean } = {}): string[] {
  if (!row) return ['(no listing)'];
  const l = t.lot;
  const checks: Array<[string, unknown, unknown]> = [
    ['year', row.year, l.year],
    ['make', row.make, l.make],
    ['model', row.model, l.model],
    ['vin', row.vin, l.vin],
    ['mileage', row.mileage, l.mileage],
    ['bid', Number(row.current_bid_cents), t.bidCents],
    ['end', Number(row.auction_end_ms), l.endsAt],
    ['state', row.state, l.state],
    ['zip', row.zip, l.zip],
    ['city', row.city?.toLowerCase(), l.city.toLowerCase()],
  ];
  if (opts.title !== false) checks.push(['titleStatus', row.title_status, 'clean']);
  return checks.filter(([, got, want]) => got !== want).map(([k, got, want]) => `${k}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
}

/**
 * A runner over the fixture site's sources (sourcesFor), as the adapter suites build it: the
 * default parameters, no browser pool, the fixture keys, a seeded random source.
 */
export function fixtureRunner(
  site: FixtureSite,
  db: Db,
  opts: { clock?: Clock; seed?: number; extra?: Array<Partial<SourceConfig> & { name: string }> } = {},
): SourceRunner {
  return new SourceRunner(sourcesFor(site, opts.extra), {
    db,
    clock: opts.clock ?? new ManualClock(NOW),
    random: seededRandom(opts.seed ?? 1),
    params: defaultArbitrageParams,
    renderer: null,
    readSecret: (n) => SECRETS[n],
  });
}
