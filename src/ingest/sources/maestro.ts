// GovDeals and AllSurplus: Liquidity Services' "maestro" search API, as independent public
// scrapers observe it (there are no official docs). `POST {url}` with a JSON body naming the
// storefront (`businessId` "GD" GovDeals, "AD" AllSurplus), `page` (1-based) and `displayRows`;
// headers `x-api-key` (the storefront's public key, configured by the operator, never in code),
// `x-user-id: -1` and the storefront's Origin/Referer. Lots are `assetSearchResults[]`; the total
// is in the `x-total-count` header. VIN and odometer are usually only in the long description.
// AllSurplus lists lots in other currencies: those are converted with the operator's rate or
// skipped with the reason, never read as dollars.
import { extractMileage, extractVin } from '../../quality/index.js';
import { parseMoneyCents } from '../value-parsers.js';
import { BudgetExhaustedError } from './fetcher.js';
import { assume, fileDraft, finishDraft, newDraft, put, titleBrandFromText, type Draft, type PageOrigin } from './listing-builder.js';
import { COMMON_FIELDS, ParseCoverage } from './parse-coverage.js';
import { CaseInsensitiveRecord, getInsensitive, htmlToText, parseJsonAnswer } from './record-reading.js';
import { assertLayout, MissingApiKeyError, SourceLayoutError, type CollectResult, type SourceAdapter, type SourceRun } from './types.js';
import { canonicalMake, looksLikeVehicle, parseVehicleTitle } from './vehicle-title.js';

export const MAESTRO_EXTRACTOR = 'maestro-search@2';
export const MAESTRO_FIELDS = [...COMMON_FIELDS, 'sellerName'] as const;
const STRUCTURAL = ['assetId', 'accountId', 'assetShortDescription', 'assetAuctionEndDateUtc'] as const;
export const BUSINESS_ID = { govdeals: 'GD', allsurplus: 'AD' } as const;

/** Search fields an operator may set in the sources file (the adapter owns paging and the storefront). */
export const SEARCH_FIELDS = [
  'searchText',
  'sortField',
  'sortOrder',
  'categoryIds',
  'facetsFilter',
  'zipcode',
  'proximityWithinDistance',
  'makebrand',
  'model',
  'modelYear',
] as const;

export interface MaestroOptions {
  name: string;
  kind: 'govdeals' | 'allsurplus';
  /** The search endpoint, e.g. https://maestro.lqdt1.com/search/list. */
  url: string;
  /** The storefront: Origin/Referer, and base of listing links (`{site}/asset/{assetId}/{accountId}`). */
  siteUrl: string;
  pageSize: number;
  maxPages: number;
  search: Partial<Record<(typeof SEARCH_FIELDS)[number], unknown>>;
  /** US dollars per unit of each other currency, e.g. { "CAD": 0.73 }. */
  currencyRates: Record<string, number>;
}

export function searchBody(opts: MaestroOptions, page: number): Record<string, unknown> {
  return {
    searchText: '',
    sortField: 'bestfit',
    sortOrder: 'asc',
    categoryIds: '',
    facetsFilter: [],
    ...opts.search,
    businessId: BUSINESS_ID[opts.kind],
    page,
    displayRows: opts.pageSize,
    requestType: 'search',
    responseStyle: 'productsOnly',
  };
}

function readBid(item: CaseInsensitiveRecord, d: Draft, opts: MaestroOptions): void {
  const stated = item.text('currencyCode');
  if (stated === null && opts.kind === 'allsurplus') {
    // AllSurplus lists lots in other currencies: without a code an amount cannot be read as dollars.
    d.skip = 'no currencyCode: an AllSurplus amount in an unknown currency is not read as dollars';
    return;
  }
  const code = (stated ?? 'USD').toUpperCase();
  const current = item.get('currentBid');
  // A lot nobody has bid on may say currentBid 0: stored as a $0 bid it overstated every figure
  // that rests on the price (profit, ROI, the ceiling's headroom). Its price is the opening bid.
  const bids = Number(item.get('bidCount') ?? 0);
  const unbidZero =
    (current === 0 || (typeof current === 'string' && Number(current.trim()) === 0 && current.trim() !== '')) && !(bids > 0);
  const useOpening = current === null || current === undefined || String(current).trim() === '' || unbidZero;
  const key = useOpening ? 'assetBidPrice' : 'currentBid';
  const raw = item.get(key);
  if (raw === null || raw === undefined || String(raw).trim() === '') return;
  const opening = unbidZero
    ? 'currentBid is 0 with no bids: the opening price (assetBidPrice) is taken'
    : 'no current bid: the opening price (assetBidPrice) is taken';
  if (code === 'USD') {
    put(d, 'currentBidCents', typeof raw === 'number' ? raw : String(raw), item.at(key), useOpening ? 'default' : 'extracted');
    const notes = [
      ...(useOpening ? [opening] : []),
      ...(stated === null ? ['no currencyCode: a GovDeals amount is read as US dollars'] : []),
    ];
    if (notes.length) assume(d, 'currentBidCents', notes.join('; '));
    return;
  }
  const rate = opts.currencyRates[code];
  if (rate === undefined) {
    d.skip = `currencyCode ${code}: no rate for it in currencyRates, and an amount in ${code} is not read as dollars`;
    return;
  }
  const parsed = parseMoneyCents(key, typeof raw === 'number' ? raw : String(raw));
  if (!parsed.ok) {
    d.problems.push(parsed.problem);
    return;
  }
  put(d, 'currentBidCents', Math.round(parsed.value * rate) / 100, `${item.at(key)} × currencyRates.${code}`, 'derived');
  assume(
    d,
    'currentBidCents',
    `${key} ${(parsed.value / 100).toFixed(2)} ${code} converted at ${rate} USD per ${code} (the source's currencyRates)${useOpening ? `; ${opening}` : ''}`,
  );
}

function readEnd(item: CaseInsensitiveRecord, d: Draft): void {
  const raw = item.text('assetAuctionEndDateUtc');
  if (raw === null) return;
  // The field is UTC by its name; observed values sometimes omit the zone designator.
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw);
  put(d, 'auctionEndsAt', zoned || !/T\d{2}:\d{2}/.test(raw) ? raw : `${raw}Z`, item.at('assetAuctionEndDateUtc'));
  if (!zoned) assume(d, 'auctionEndsAt', `${raw} has no zone designator: read as UTC, as the field's name says`);
}

function draftFor(item: CaseInsensitiveRecord, opts: MaestroOptions): Draft {
  const d = newDraft(item.raw);
  const assetId = item.text('assetId');
  const accountId = item.text('accountId');
  if (assetId === null || accountId === null) d.problems.push('lotId: assetId or accountId missing');
  else put(d, 'lotId', `${accountId}-${assetId}`, `${item.at('accountId')} + ${item.at('assetId')}`, 'derived');
  const shortRaw = item.text('assetShortDescription');
  const short = shortRaw === null ? null : htmlToText(shortRaw);
  const longRaw = item.text('assetLongDescription');
  const long = longRaw === null ? null : htmlToText(longRaw);
  put(d, 'title', short, item.at('assetShortDescription'));
  put(d, 'description', long, item.at('assetLongDescription'));
  const fromTitle = short ? parseVehicleTitle(short) : null;
  const make = canonicalMake(item.text('makebrand'));
  if (make) put(d, 'make', make, item.at('makebrand'));
  else if (fromTitle?.make) put(d, 'make', fromTitle.make, item.at('assetShortDescription'), 'derived');
  if (item.text('model')) put(d, 'model', item.text('model'), item.at('model'));
  else if (fromTitle?.model) put(d, 'model', fromTitle.model, item.at('assetShortDescription'), 'derived');
  if (item.text('modelYear')) put(d, 'year', item.text('modelYear'), item.at('modelYear'));
  else if (fromTitle?.year) put(d, 'year', fromTitle.year, item.at('assetShortDescription'), 'derived');
  if (fromTitle?.trim && (make ?? fromTitle.make) === fromTitle.make)
    put(d, 'trim', fromTitle.trim, item.at('assetShortDescription'), 'derived');
  readBid(item, d, opts);
  readEnd(item, d);
  put(d, 'city', item.text('locationCity'), item.at('locationCity'));
  put(d, 'state', item.text('locationState'), item.at('locationState'));
  put(d, 'zip', item.text('locationZip'), item.at('locationZip'));
  const lat = Number(item.get('latitude'));
  const lon = Number(item.get('longitude'));
  if (
    item.get('latitude') !== null &&
    item.get('longitude') !== null &&
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    (lat !== 0 || lon !== 0)
  ) {
    put(d, 'latitude', lat, item.at('latitude'));
    put(d, 'longitude', lon, item.at('longitude'));
  }
  const itemUrl = item.text('itemUrl');
  if (itemUrl && /^(https?:\/\/|\/)/i.test(itemUrl)) put(d, 'listingUrl', new URL(itemUrl, opts.siteUrl).href, item.at('itemUrl'));
  else if (assetId !== null && accountId !== null) {
    put(
      d,
      'listingUrl',
      new URL(`/asset/${encodeURIComponent(assetId)}/${encodeURIComponent(accountId)}`, opts.siteUrl).href,
      `${item.at('assetId')} + ${item.at('accountId')}`,
      'derived',
    );
  }
  // Observed, not in every answer: the seller's name (a city, county or agency on GovDeals).
  put(
    d,
    'sellerName',
    item.text('companyName') ?? item.text('displaySellerName'),
    item.at(item.has('companyName') ? 'companyName' : 'displaySellerName'),
  );
  const vin = extractVin(long);
  put(d, 'vin', vin, item.at('assetLongDescription'), 'derived');
  put(d, 'mileage', extractMileage(long), item.at('assetLongDescription'), 'derived');
  put(d, 'titleStatus', titleBrandFromText(long), item.at('assetLongDescription'), 'derived');
  if (item.get('isSoldAuction') === true) {
    d.skip ??= 'isSoldAuction: the lot is already sold';
    d.closed = true;
  } else if (!d.values.make && d.skip === null) {
    const category = item.text('categoryDescription');
    if (looksLikeVehicle(short, vin))
      d.problems.push(`make: ${JSON.stringify((item.text('makebrand') ?? short ?? '').slice(0, 40))} is not a known vehicle make`);
    else
      d.skip = `not a vehicle: ${JSON.stringify((short ?? '').slice(0, 40))}${category ? ` in category ${JSON.stringify(category)}` : ''}`;
  }
  return d;
}

export function maestroAdapter(opts: MaestroOptions): SourceAdapter {
  return {
    name: opts.name,
    kind: opts.kind,
    needsBrowser: false,
    async collect(run: SourceRun): Promise<CollectResult> {
      if (!run.apiKey)
        throw new MissingApiKeyError(
          `${opts.name}: the maestro search API needs the storefront's key (x-api-key); set apiKeyEnv and that environment variable`,
        );
      const result: CollectResult = { batch: { accepted: [], rejected: [] }, skipped: [], pages: 0, notes: [], coverage: null };
      const coverage = new ParseCoverage(MAESTRO_FIELDS);
      const site = new URL(opts.siteUrl);
      const headers = {
        'content-type': 'application/json',
        'x-api-key': run.apiKey,
        'x-user-id': '-1',
        origin: site.origin,
        referer: `${site.origin}/`,
      };
      let row = 0;
      let total: number | null = null;
      for (let page = 1; page <= opts.maxPages; page++) {
        let fetched;
        try {
          fetched = await run.fetcher.request(opts.url, {
            method: 'POST',
            accept: 'application/json',
            headers,
            body: JSON.stringify(searchBody(opts, page)),
          });
        } catch (err) {
          if (err instanceof BudgetExhaustedError && page > 1) {
            result.notes.push(err.message);
            break;
          }
          throw err;
        }
        result.pages += 1;
        const data = parseJsonAnswer(fetched, `${opts.url} page ${page}`, (m) => new SourceLayoutError(m));
        const found = getInsensitive(data, 'assetSearchResults');
        if (!found || !Array.isArray(found.value)) {
          const keys = data && typeof data === 'object' ? Object.keys(data).slice(0, 8).join(', ') : typeof data;
          throw new SourceLayoutError(
            `${opts.url} page ${page}: no assetSearchResults array in the answer (found ${keys || 'nothing'}); the search API changed`,
          );
        }
        const items = (found.value as unknown[]).map((it, i) =>
          it !== null && typeof it === 'object' && !Array.isArray(it)
            ? new CaseInsensitiveRecord(it as Record<string, unknown>, `/${found.key}/${i}`)
            : null,
        );
        assertLayout(
          `${opts.url} page ${page}`,
          items.map((it) => ({ missing: it ? STRUCTURAL.filter((k) => !it.has(k)) : [...STRUCTURAL] })),
          STRUCTURAL,
        );
        const origin: PageOrigin = {
          sourceUrl: `${opts.url}#page=${page}`,
          fetchedAt: fetched.fetchedAt,
          snapshotHash: fetched.hash,
          extractorVersion: MAESTRO_EXTRACTOR,
        };
        const now = new Date(run.clock.now());
        items.forEach((item, i) => {
          row += 1;
          if (!item) {
            result.batch.rejected.push({
              row,
              lotId: null,
              source: opts.kind,
              reason: `/${found.key}/${i} is not an object`,
              raw: { value: (found.value as unknown[])[i] },
            });
            return;
          }
          const d = draftFor(item, opts);
          coverage.add(d);
          fileDraft(finishDraft(opts.kind, row, d, origin, now), result.batch, result.skipped);
        });
        const declared = Number(fetched.headers['x-total-count']);
        if (fetched.headers['x-total-count'] !== undefined && Number.isInteger(declared) && declared >= 0) total = declared;
        else if (page === 1) result.notes.push('no x-total-count header: paged until a short page');
        run.progress?.({ pages: result.pages, found: row, total });
        // With a declared total, a short page is not the end: a storefront may cap displayRows
        // below the pageSize asked for. Only the total, or an empty page, ends the walk.
        if (total !== null ? row >= total || items.length === 0 : items.length < opts.pageSize) {
          if (total !== null && row < total) result.notes.push(`page ${page} came back empty after ${row} of ${total} listed lots`);
          break;
        }
        if (page === opts.maxPages)
          result.notes.push(`stopped after maxPages=${opts.maxPages}; ${row} of ${total ?? 'unknown'} listed lots read`);
      }
      result.coverage = coverage.summary();
      return result;
    },
  };
}
