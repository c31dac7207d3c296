// The small readers behind the adapters, on the variants the sources publish: ZIP+4 and ZIPs that
// lost their leading zero, inline timer calls, HTML descriptions, keys in any case, the SF-97
// title, local time zones, and the sources file's rules.
import { describe, expect, it } from 'vitest';
import { normalizeTitleStatus } from '../feed-columns.js';
import { schemaProblems } from '../../common/json-schema.js';
import { parseSourcesConfig, SourcesConfigError, SOURCES_SCHEMA } from './config.js';
import { zip5 } from './gsa.js';
import { titleBrandFromText } from './listing-builder.js';
import { endOfLocalDay, lotZone } from './local-time.js';
import { searchBody } from './maestro.js';
import { callArguments, endFromScript } from './publicsurplus.js';
import { CaseInsensitiveRecord, getInsensitive, htmlToText } from './record-reading.js';
import { looksLikeVehicle } from './vehicle-title.js';

describe('published values', () => {
  it.each([
    ['78701', '78701'],
    ['787011234', '78701'],
    ['78701-1234', '78701'],
    [2134, '02134'],
    ['2134', '02134'],
    [21341234, '02134'],
    ['7870', '07870'],
    ['ABCDE', null],
    ['', null],
    [null, null],
  ])('ZIP %j → %j', (raw, want) => {
    expect(zip5(raw)).toBe(want);
  });

  it('the end of a PublicSurplus card is the fifth updateTimeLeftSpan argument, not the render time', () => {
    const html =
      '<script>updateTimeLeftSpan(timeLeftInfoMap, 3412, "3412catGridtimeLeft", 1780315200000, 1781049599000, "Closed, sorry");</script>';
    expect(endFromScript(html)).toEqual({ ms: 1781049599000 });
    expect(callArguments('a, "x, y", [1, 2], f(3, 4), 5')).toEqual(['a', '"x, y"', '[1, 2]', 'f(3, 4)', '5']);
    expect(endFromScript('<script>updateTimeLeftSpan(map, 1, "e", 1780315200000);</script>')).toEqual({
      problem: expect.stringMatching(/has 4 arguments, the end time is the fifth/),
    });
    expect(endFromScript('<script>updateTimeLeftSpan(map, 1, "e", 1780315200000, "soon");</script>')).toEqual({
      problem: expect.stringMatching(/not epoch milliseconds/),
    });
    expect(endFromScript('<div>no timer</div>')).toEqual({ problem: expect.stringMatching(/no updateTimeLeftSpan/) });
  });

  it('HTML descriptions become text lines; keys match in any case and locators keep the source spelling', () => {
    expect(htmlToText('<p>Runs &amp; drives.<br/>VIN <b>1FT</b></p><script>x()</script><ul><li>Keys</li></ul>')).toBe(
      'Runs & drives.\nVIN 1FT\nKeys',
    );
    expect(htmlToText('plain   text')).toBe('plain text');
    const r = new CaseInsensitiveRecord({ saleNo: 'S1', LOTNO: 7, itemDescUrl: ' https://x ' }, '/results/0');
    expect([r.text('SaleNo'), r.text('LotNo'), r.text('ItemDescURL'), r.at('LotNo'), r.at('AgencyName')]).toEqual([
      'S1',
      '7',
      'https://x',
      '/results/0/LOTNO',
      '/results/0/AgencyName',
    ]);
    expect(getInsensitive({ results: [] }, 'Results')).toEqual({ key: 'results', value: [] });
  });

  it("GSA's SF-97 is a clean-title path; stated brands still win", () => {
    expect(titleBrandFromText('Title document: SF-97. Runs.')).toBe('SF-97');
    expect(titleBrandFromText('sold with sf 97')).toBe('SF-97');
    expect(normalizeTitleStatus('SF-97')).toBe('clean');
    expect(normalizeTitleStatus('SF97 certificate to obtain title')).toBe('clean');
    expect(normalizeTitleStatus('salvage')).toBe('salvage');
    expect(normalizeTitleStatus('unreadable')).toBe('unknown');
  });

  it('a lot with an unknown make is a reject only when it looks like a vehicle', () => {
    expect(looksLikeVehicle('2014 Blue Bird school bus', null)).toBe(true);
    expect(looksLikeVehicle('Generac 20kW Standby Generator', null)).toBe(false);
    expect(looksLikeVehicle('Lot 7', '1FTFW1ET5EFA12345')).toBe(true);
  });
});

describe('local time of a lot', () => {
  // Offsets written out by hand: daylight (July) and standard (December) time.
  it.each([
    ['78701', 'TX', 'America/Chicago', '2026-07-16T04:59:59Z', '2026-12-04T05:59:59Z'],
    ['85001', 'AZ', 'America/Phoenix', '2026-07-16T06:59:59Z', '2026-12-04T06:59:59Z'],
    ['86515', 'AZ', 'America/Denver', '2026-07-16T05:59:59Z', '2026-12-04T06:59:59Z'],
    ['79901', 'TX', 'America/Denver', '2026-07-16T05:59:59Z', '2026-12-04T06:59:59Z'],
    ['02134', 'MA', 'America/New_York', '2026-07-16T03:59:59Z', '2026-12-04T04:59:59Z'],
    ['96813', 'HI', 'Pacific/Honolulu', '2026-07-16T09:59:59Z', '2026-12-04T09:59:59Z'],
  ])('ZIP %s %s closes at the end of the day in %s', (zip, state, zone, july, december) => {
    const z = lotZone(zip, state)!;
    expect(z).toMatchObject({ zone, basis: 'zip' });
    expect(new Date(endOfLocalDay(z.zone, 2026, 7, 15)).toISOString()).toBe(july.replace('Z', '.000Z'));
    expect(new Date(endOfLocalDay(z.zone, 2026, 12, 3)).toISOString()).toBe(december.replace('Z', '.000Z'));
  });

  it("falls back to the state's main zone, and says so", () => {
    expect(lotZone('00000', 'TX')).toMatchObject({
      zone: 'America/Chicago',
      basis: 'state',
      note: expect.stringMatching(/not in the ZIP database/),
    });
    expect(lotZone('78701', 'NM')).toMatchObject({
      zone: 'America/Denver',
      basis: 'state',
      note: expect.stringMatching(/NM does not use/),
    });
    expect(lotZone(null, 'FL')).toMatchObject({ zone: 'America/New_York', basis: 'state' });
    expect(lotZone(null, 'XX')).toBeNull();
  });

  it('ends on the days clocks change are still 23:59:59 local', () => {
    expect(new Date(endOfLocalDay('America/Chicago', 2026, 3, 8)).toISOString()).toBe('2026-03-09T04:59:59.000Z');
    expect(new Date(endOfLocalDay('America/Chicago', 2026, 11, 1)).toISOString()).toBe('2026-11-02T05:59:59.000Z');
  });
});

describe('sources file', () => {
  const base = { name: 'x', url: 'https://api.example.gov/a', intervalSeconds: 60 };
  const parse = (s: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => parseSourcesConfig({ sources: [{ ...base, ...s }] }, env);

  it('accepts every kind, keys by environment variable name only', () => {
    for (const kind of ['gsa', 'govdeals', 'allsurplus']) expect(parse({ kind, apiKeyEnv: 'SOME_KEY' }).sources[0]!.kind).toBe(kind);
    expect(parse({ kind: 'publicsurplus' }).sources).toHaveLength(1);
    expect(parse({ kind: 'feed', enabled: false }).sources[0]!.enabled).toBe(false);
    expect(() => parse({ kind: 'gsa' })).toThrow(/a gsa source needs apiKeyEnv/);
    expect(() => parse({ kind: 'gsa', apiKeyEnv: 'not-a-variable-name' })).toThrow(SourcesConfigError);
    expect(() => parse({ kind: 'gsa', apiKey: 'abc123' })).toThrow(/must NOT have additional properties/);
  });

  it('currencyRates and search belong to the maestro kinds and are checked', () => {
    expect(parse({ kind: 'allsurplus', apiKeyEnv: 'K', currencyRates: { CAD: 0.73 } }).sources[0]!.currencyRates).toEqual({ CAD: 0.73 });
    expect(() => parse({ kind: 'allsurplus', apiKeyEnv: 'K', currencyRates: { CAD: 0 } })).toThrow(SourcesConfigError);
    expect(() => parse({ kind: 'allsurplus', apiKeyEnv: 'K', currencyRates: { cad: 0.7 } })).toThrow(SourcesConfigError);
    expect(() => parse({ kind: 'gsa', apiKeyEnv: 'K', currencyRates: { CAD: 0.7 } })).toThrow(/govdeals and allsurplus sources only/);
    expect(() => parse({ kind: 'govdeals', apiKeyEnv: 'K', search: { businessId: 'AD' } })).toThrow(SourcesConfigError);
  });

  it('the storefront comes from the kind; paging and the storefront cannot be overridden by search fields', () => {
    const body = searchBody(
      {
        name: 'a',
        kind: 'allsurplus',
        url: 'https://m/search/list',
        siteUrl: 'https://www.allsurplus.com',
        pageSize: 40,
        maxPages: 3,
        search: { searchText: 'truck', zipcode: '78701' },
        currencyRates: {},
      },
      2,
    );
    expect(body).toMatchObject({
      businessId: 'AD',
      page: 2,
      displayRows: 40,
      searchText: 'truck',
      zipcode: '78701',
      requestType: 'search',
      responseStyle: 'productsOnly',
    });
  });

  it('SOURCE_ALLOW_PRIVATE_HOSTS is for fixtures and refused in production', () => {
    expect(parse({ kind: 'feed' }, { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1' }).allowPrivateHosts).toEqual(['127.0.0.1']);
    expect(() => parse({ kind: 'feed' }, { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1', DEALERSCOPE_ENV: 'production' })).toThrow(
      /refused in production/,
    );
  });
});

describe('the example sources file', () => {
  it('is checked by a schema the JSON Schema meta-schema accepts (it is compiled without that check at run time)', () => {
    expect(schemaProblems(SOURCES_SCHEMA)).toEqual([]);
  });

  it('parses, covers every kind, schedules nothing and holds no key', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../../config/sources.example.json', import.meta.url), 'utf8');
    const cfg = parseSourcesConfig(JSON.parse(text));
    expect(new Set(cfg.sources.map((s) => s.kind))).toEqual(new Set(['gsa', 'govdeals', 'allsurplus', 'publicsurplus', 'feed']));
    expect(cfg.sources.every((s) => s.enabled === false)).toBe(true);
    for (const s of cfg.sources.filter((x) => ['gsa', 'govdeals', 'allsurplus'].includes(x.kind))) expect(s.apiKeyEnv).toMatch(/^[A-Z_]+$/);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}/i);
  });
});
