// GovDeals (and AllSurplus): the JSON search endpoint, `assetSearchResults[]` per page and the
// total in `x-total-count`. VIN and odometer are usually only in the long description.
import { extractMileage, extractVin } from '../../quality/vin.js';
import { BudgetExhaustedError } from './fetcher.js';
import { finishDraft, newDraft, put, titleBrandFromText, type PageOrigin } from './listing-builder.js';
import { SourceLayoutError, type CollectResult, type SourceAdapter, type SourceRun } from './types.js';
import { canonicalMake, parseVehicleTitle } from './vehicle-title.js';

export const GOVDEALS_EXTRACTOR = 'govdeals-json@1';

export interface GovDealsOptions {
  name: string;
  /** The search endpoint; `page` (1-based) and `rows` are added. */
  url: string;
  /** Base of the public listing pages (`{site}/asset/{assetId}/{accountId}`). */
  siteUrl: string;
  pageSize: number;
  maxPages: number;
}

type Item = Record<string, unknown>;

function draftFor(item: Item, index: number, opts: GovDealsOptions) {
  const d = newDraft(item);
  const at = (k: string) => `/assetSearchResults/${index}/${k}`;
  const assetId = item.assetId ?? null;
  const accountId = item.accountId ?? null;
  if (assetId === null || accountId === null) d.problems.push('lotId: assetId or accountId missing');
  else put(d, 'lotId', `${accountId}-${assetId}`, `${at('accountId')} + ${at('assetId')}`, 'derived');
  const short = typeof item.assetShortDescription === 'string' ? item.assetShortDescription : null;
  const long = typeof item.assetLongDescription === 'string' ? item.assetLongDescription : null;
  put(d, 'title', short, at('assetShortDescription'));
  put(d, 'description', long, at('assetLongDescription'));
  const fromTitle = short ? parseVehicleTitle(short) : null;
  const make = canonicalMake(typeof item.makebrand === 'string' ? item.makebrand : null);
  if (make) put(d, 'make', make, at('makebrand'));
  else if (fromTitle?.make) put(d, 'make', fromTitle.make, at('assetShortDescription'), 'derived');
  else if (item.makebrand) d.problems.push(`make: ${JSON.stringify(String(item.makebrand).slice(0, 30))} is not a known vehicle make`);
  if (typeof item.model === 'string' && item.model.trim()) put(d, 'model', item.model, at('model'));
  else if (fromTitle?.model) put(d, 'model', fromTitle.model, at('assetShortDescription'), 'derived');
  if (item.modelYear !== undefined && item.modelYear !== null && item.modelYear !== '') put(d, 'year', item.modelYear, at('modelYear'));
  else if (fromTitle?.year) put(d, 'year', fromTitle.year, at('assetShortDescription'), 'derived');
  put(d, 'currentBidCents', item.currentBid, at('currentBid'));
  put(d, 'auctionEndsAt', item.assetAuctionEndDateUtc, at('assetAuctionEndDateUtc'));
  put(d, 'city', item.locationCity, at('locationCity'));
  put(d, 'state', item.locationState, at('locationState'));
  put(d, 'zip', item.locationZip, at('locationZip'));
  if (typeof item.latitude === 'number') put(d, 'latitude', item.latitude, at('latitude'));
  if (typeof item.longitude === 'number') put(d, 'longitude', item.longitude, at('longitude'));
  if (assetId !== null && accountId !== null) {
    put(d, 'listingUrl', new URL(`/asset/${encodeURIComponent(String(assetId))}/${encodeURIComponent(String(accountId))}`, opts.siteUrl).href, `${at('assetId')} + ${at('accountId')}`, 'derived');
  }
  put(d, 'vin', extractVin(long), at('assetLongDescription'), 'derived');
  put(d, 'mileage', extractMileage(long), at('assetLongDescription'), 'derived');
  put(d, 'titleStatus', titleBrandFromText(long), at('assetLongDescription'), 'derived');
  if (item.isSoldAuction === true) d.problems.push('isSoldAuction: the lot is already sold');
  return d;
}

export function govDealsAdapter(opts: GovDealsOptions): SourceAdapter {
  return {
    name: opts.name, kind: 'govdeals', needsBrowser: false,
    async collect(run: SourceRun): Promise<CollectResult> {
      const result: CollectResult = { batch: { accepted: [], rejected: [] }, pages: 0, notes: [] };
      let row = 0;
      let total: number | null = null;
      for (let page = 1; page <= opts.maxPages; page++) {
        const url = new URL(opts.url);
        url.searchParams.set('page', String(page));
        url.searchParams.set('rows', String(opts.pageSize));
        let fetched;
        try {
          fetched = await run.fetcher.get(url.href, 'application/json');
        } catch (err) {
          if (err instanceof BudgetExhaustedError && page > 1) { result.notes.push(err.message); break; }
          throw err;
        }
        result.pages += 1;
        let data: unknown;
        try {
          data = JSON.parse(fetched.body);
        } catch (err) {
          throw new SourceLayoutError(`${url.href}: response is not JSON (${(err as Error).message})`);
        }
        const items = (data as { assetSearchResults?: unknown })?.assetSearchResults;
        if (!Array.isArray(items)) throw new SourceLayoutError(`${url.href}: no assetSearchResults array in the response; the search API changed`);
        const origin: PageOrigin = { sourceUrl: url.href, fetchedAt: fetched.fetchedAt, snapshotHash: fetched.hash, extractorVersion: GOVDEALS_EXTRACTOR };
        const now = new Date(run.clock.now());
        items.forEach((item, i) => {
          row += 1;
          if (item === null || typeof item !== 'object') {
            result.batch.rejected.push({ row, lotId: null, source: 'govdeals', reason: `assetSearchResults/${i} is not an object`, raw: { value: item } });
            return;
          }
          const out = finishDraft('govdeals', row, draftFor(item as Item, i, opts), origin, now);
          if ('reason' in out) result.batch.rejected.push(out); else result.batch.accepted.push(out);
        });
        const declared = Number(fetched.headers['x-total-count']);
        if (fetched.headers['x-total-count'] !== undefined && Number.isInteger(declared)) total = declared;
        if (items.length < opts.pageSize || (total !== null && row >= total)) break;
        if (page === opts.maxPages) result.notes.push(`stopped after maxPages=${opts.maxPages}; ${total ?? 'unknown'} listed`);
      }
      return result;
    },
  };
}
