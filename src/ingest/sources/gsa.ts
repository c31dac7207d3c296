// GSA Auctions: the official JSON API (an array of lots, or `{ "Results": [...] }`). It has no
// VIN, mileage, make or model fields: those come from ItemName and the lot description.
import { extractMileage, extractVin } from '../../quality/vin.js';
import { finishDraft, newDraft, put, titleBrandFromText, type PageOrigin } from './listing-builder.js';
import { SourceLayoutError, type CollectResult, type SourceAdapter, type SourceRun } from './types.js';
import { parseVehicleTitle } from './vehicle-title.js';

export const GSA_EXTRACTOR = 'gsa-json@1';

export interface GsaOptions {
  name: string;
  url: string;
}

type Lot = Record<string, unknown>;
const OPEN_STATUSES = new Set(['active', 'open', 'preview', 'upcoming']);

function draftFor(lot: Lot, pointer: string) {
  const d = newDraft(lot);
  const at = (k: string) => `${pointer}/${k}`;
  if (lot.SaleNo === undefined || lot.LotNo === undefined) d.problems.push('lotId: SaleNo or LotNo missing');
  else put(d, 'lotId', `${String(lot.SaleNo)}-${String(lot.LotNo)}`, `${at('SaleNo')} + ${at('LotNo')}`, 'derived');
  const name = typeof lot.ItemName === 'string' ? lot.ItemName : null;
  const text = typeof lot.LotDescript === 'string' ? lot.LotDescript : null;
  put(d, 'title', name, at('ItemName'));
  put(d, 'description', text, at('LotDescript'));
  const parts = name ? parseVehicleTitle(name) : null;
  if (name && !parts?.make) d.problems.push(`make: no known vehicle make in ItemName ${JSON.stringify(name.slice(0, 40))}`);
  put(d, 'year', parts?.year, at('ItemName'), 'derived');
  put(d, 'make', parts?.make, at('ItemName'), 'derived');
  put(d, 'model', parts?.model, at('ItemName'), 'derived');
  put(d, 'trim', parts?.trim, at('ItemName'), 'derived');
  put(d, 'currentBidCents', lot.HighBidAmount, at('HighBidAmount'));
  put(d, 'auctionEndsAt', lot.AucEndDt, at('AucEndDt'));
  put(d, 'city', lot.PropertyCity, at('PropertyCity'));
  put(d, 'state', lot.PropertyState, at('PropertyState'));
  put(d, 'zip', lot.PropertyZip, at('PropertyZip'));
  put(d, 'listingUrl', lot.ItemDescURL, at('ItemDescURL'));
  put(d, 'vin', extractVin(text), at('LotDescript'), 'derived');
  put(d, 'mileage', extractMileage(text), at('LotDescript'), 'derived');
  put(d, 'titleStatus', titleBrandFromText(text), at('LotDescript'), 'derived');
  const status = typeof lot.AuctionStatus === 'string' ? lot.AuctionStatus.trim() : null;
  if (status && !OPEN_STATUSES.has(status.toLowerCase())) d.problems.push(`AuctionStatus: ${JSON.stringify(status)} is not an open auction`);
  return d;
}

export function gsaAdapter(opts: GsaOptions): SourceAdapter {
  return {
    name: opts.name, kind: 'gsa', needsBrowser: false,
    async collect(run: SourceRun): Promise<CollectResult> {
      const fetched = await run.fetcher.get(opts.url, 'application/json');
      let data: unknown;
      try {
        data = JSON.parse(fetched.body);
      } catch (err) {
        throw new SourceLayoutError(`${opts.url}: response is not JSON (${(err as Error).message})`);
      }
      const wrapped = !Array.isArray(data);
      const lots = wrapped ? (data as { Results?: unknown })?.Results : data;
      if (!Array.isArray(lots)) throw new SourceLayoutError(`${opts.url}: neither an array nor { Results: [...] }; the API changed`);
      const origin: PageOrigin = { sourceUrl: fetched.url, fetchedAt: fetched.fetchedAt, snapshotHash: fetched.hash, extractorVersion: GSA_EXTRACTOR };
      const now = new Date(run.clock.now());
      const result: CollectResult = { batch: { accepted: [], rejected: [] }, pages: 1, notes: [] };
      lots.forEach((lot, i) => {
        const row = i + 1;
        if (lot === null || typeof lot !== 'object') {
          result.batch.rejected.push({ row, lotId: null, source: 'gsa', reason: `lot ${i} is not an object`, raw: { value: lot } });
          return;
        }
        const out = finishDraft('gsa', row, draftFor(lot as Lot, wrapped ? `/Results/${i}` : `/${i}`), origin, now);
        if ('reason' in out) result.batch.rejected.push(out); else result.batch.accepted.push(out);
      });
      return result;
    },
  };
}
