// GSA Auctions, the official API v2 (`GET …/assets/gsaauctions/v2/auctions?format=JSON`, key in
// `X-API-KEY`): `{ "Results": [ lot, … ] }`. Keys come in PascalCase as the OpenAPI document has
// them or in camelCase as live answers do, so they are matched without regard to case. The
// description is the lot's `LotInfo` lines (`[{LotSequence, LotDescript}]`, or one HTML string)
// joined in sequence order; VIN, odometer, make and model are read from it and from `ItemName`.
// `AucEndDt` is a date with no time: the lot closes at the end of that day where it sits.
import { extractMileage, extractVin } from '../../quality/index.js';
import { parseIsoDate } from '../value-parsers.js';
import { assume, fileDraft, finishDraft, newDraft, put, titleBrandFromText, type Draft, type PageOrigin } from './listing-builder.js';
import { endOfLocalDay, lotZone } from './local-time.js';
import { COMMON_FIELDS, ParseCoverage } from './parse-coverage.js';
import { CaseInsensitiveRecord, getInsensitive, htmlToText, parseJsonAnswer } from './record-reading.js';
import { assertLayout, MissingApiKeyError, SourceLayoutError, type CollectResult, type SourceAdapter, type SourceRun } from './types.js';
import { looksLikeVehicle, parseVehicleTitle } from './vehicle-title.js';

export const GSA_EXTRACTOR = 'gsa-auctions-v2@2';
export const GSA_FIELDS = [...COMMON_FIELDS, 'sellerName'] as const;
/** Keys whose absence from every lot means the answer is no longer the published shape. */
const STRUCTURAL = ['SaleNo', 'LotNo', 'AucEndDt', 'ItemName'] as const;
const CLOSED = /^(c|closed|ended|sold|awarded|cancell?ed|withdrawn)$/i;

export interface GsaOptions {
  name: string;
  url: string;
}

/** Five-digit ZIP from `78701`, `78701-1234`, `787011234` or a number that lost its leading zero. */
export function zip5(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  const digits = String(raw).trim().replace(/[\s-]/g, '');
  if (!/^\d{1,9}$/.test(digits)) return null;
  return digits.length <= 5 ? digits.padStart(5, '0') : digits.padStart(9, '0').slice(0, 5);
}

function lotDescription(lot: CaseInsensitiveRecord, d: Draft): { text: string; locator: string } | null {
  const info = lot.get('LotInfo');
  const at = lot.at('LotInfo');
  if (info === undefined || info === null) return null;
  if (typeof info === 'string') return { text: htmlToText(info), locator: `${at} (HTML text)` };
  if (!Array.isArray(info)) {
    d.problems.push(`description: ${at} is neither an array of {LotSequence, LotDescript} nor text`);
    return null;
  }
  const lines = info.flatMap((entry, i) => {
    if (entry === null || typeof entry !== 'object') return [];
    const r = new CaseInsensitiveRecord(entry as Record<string, unknown>, `${at}/${i}`);
    const text = r.text('LotDescript');
    const seq = Number(r.get('LotSequence'));
    return text === null ? [] : [{ seq: Number.isFinite(seq) ? seq : Number.MAX_SAFE_INTEGER, i, text: htmlToText(text) }];
  });
  if (lines.length === 0) return null;
  lines.sort((a, b) => a.seq - b.seq || a.i - b.i);
  return { text: lines.map((l) => l.text).join('\n'), locator: `${at}/*/LotDescript (in LotSequence order)` };
}

// AucEndDt is published as a date (`2026-12-03`). A date serialised with a midnight time, zoneless
// or UTC (`2026-12-03T00:00:00`, `…Z`), is that date too: read as an instant it closed the lot a
// day early. A zoneless time of day is not a published form and has no one reading (local or UTC
// differ by hours), so it is the lot's problem rather than a guess.
const DATE_AT_MIDNIGHT = /^(\d{4})-(\d{2})-(\d{2})[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?$/i;
const ZONELESS_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

function readEnd(lot: CaseInsensitiveRecord, d: Draft, zip: string | null, state: string | null): void {
  const raw = lot.text('AucEndDt');
  const at = lot.at('AucEndDt');
  if (raw === null) return;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw) ?? DATE_AT_MIDNIGHT.exec(raw) ?? (us ? [raw, us[3], us[1], us[2]] : null);
  if (!date) {
    if (ZONELESS_TIME.test(raw))
      d.problems.push(`auctionEndsAt: AucEndDt ${JSON.stringify(raw)} has a time of day but no zone; GSA publishes a date`);
    else put(d, 'auctionEndsAt', raw, at); // a zoned ISO time, or garbage the validator names
    return;
  }
  const zone = lotZone(zip, state);
  if (!zone) {
    d.problems.push(`auctionEndsAt: ${JSON.stringify(raw)} has no time zone and the lot has no known state to place it in one`);
    return;
  }
  const [y, mo, da] = [Number(date[1]), Number(date[2]), Number(date[3])];
  if (!parseIsoDate('auctionEndsAt', `${y}-${String(mo).padStart(2, '0')}-${String(da).padStart(2, '0')}`).ok) {
    d.problems.push(`auctionEndsAt: ${JSON.stringify(raw)} is not a calendar date`);
    return;
  }
  put(d, 'auctionEndsAt', endOfLocalDay(zone.zone, y, mo, da), at, 'imputed');
  assume(
    d,
    'auctionEndsAt',
    `AucEndDt ${raw} is a date without a time: taken as the end of that day (23:59:59) in ${zone.zone}; ${zone.note}`,
    ['location.zip', 'location.state'],
  );
}

function readBid(lot: CaseInsensitiveRecord, d: Draft): void {
  const high = lot.get('HighBidAmount');
  if (high !== null && high !== undefined && String(high).trim() !== '') {
    put(d, 'currentBidCents', typeof high === 'number' ? high : String(high), lot.at('HighBidAmount'));
    return;
  }
  // No bid yet: still an opportunity, at the lowest price the lot can be awarded for.
  const reserve = Number(lot.get('Reserve'));
  const increment = Number(lot.get('AucIncrement'));
  const [price, from, why] =
    reserve > 0
      ? [reserve, 'Reserve', 'the reserve, the least it can be awarded for']
      : increment > 0
        ? [increment, 'AucIncrement', 'one bid increment, the smallest opening bid']
        : [0, 'HighBidAmount', 'nothing, as no reserve or increment is given'];
  put(d, 'currentBidCents', price, lot.at(from), 'default');
  assume(d, 'currentBidCents', `no bid yet (HighBidAmount is null): the opening price is taken as ${why}`);
}

function draftFor(lot: CaseInsensitiveRecord): Draft {
  const d = newDraft(lot.raw);
  const saleNo = lot.text('SaleNo');
  const lotNo = lot.text('LotNo');
  if (saleNo === null || lotNo === null) d.problems.push('lotId: SaleNo or LotNo missing');
  else put(d, 'lotId', `${saleNo}-${lotNo}`, `${lot.at('SaleNo')} + ${lot.at('LotNo')}`, 'derived');
  const nameRaw = lot.text('ItemName');
  const name = nameRaw === null ? null : htmlToText(nameRaw);
  put(d, 'title', name, lot.at('ItemName'));
  const desc = lotDescription(lot, d);
  if (desc) put(d, 'description', desc.text, desc.locator);
  const text = desc?.text ?? null;
  const parts = name ? parseVehicleTitle(name) : null;
  put(d, 'year', parts?.year, lot.at('ItemName'), 'derived');
  put(d, 'make', parts?.make, lot.at('ItemName'), 'derived');
  put(d, 'model', parts?.model, lot.at('ItemName'), 'derived');
  put(d, 'trim', parts?.trim, lot.at('ItemName'), 'derived');
  const vin = extractVin(text) ?? extractVin(name);
  put(d, 'vin', vin, desc?.locator ?? lot.at('ItemName'), 'derived');
  put(d, 'mileage', extractMileage(text), desc?.locator ?? lot.at('LotInfo'), 'derived');
  put(d, 'titleStatus', titleBrandFromText(text), desc?.locator ?? lot.at('LotInfo'), 'derived');
  readBid(lot, d);
  const state = lot.text('PropertyState');
  const zip = zip5(lot.get('PropertyZip'));
  readEnd(lot, d, zip, state?.toUpperCase() ?? null);
  put(d, 'city', lot.text('PropertyCity'), lot.at('PropertyCity'));
  put(d, 'state', state, lot.at('PropertyState'));
  put(d, 'zip', zip, lot.at('PropertyZip'), zip === lot.text('PropertyZip') ? 'extracted' : 'derived');
  put(d, 'listingUrl', lot.text('ItemDescURL'), lot.at('ItemDescURL'));
  const agency = [lot.text('AgencyName'), lot.text('BureauName')].filter((x, i, a): x is string => x !== null && a.indexOf(x) === i);
  put(d, 'sellerName', agency.join(', '), `${lot.at('AgencyName')} + ${lot.at('BureauName')}`);
  const status = lot.text('AuctionStatus');
  if (status && CLOSED.test(status)) {
    d.skip = `AuctionStatus: ${JSON.stringify(status)} is not an open auction`;
    d.closed = true;
  } else if (name && !parts?.make) {
    if (looksLikeVehicle(name, vin)) d.problems.push(`make: no known vehicle make in ItemName ${JSON.stringify(name.slice(0, 40))}`);
    else d.skip = `not a vehicle: ItemName ${JSON.stringify(name.slice(0, 40))}`;
  }
  return d;
}

export function gsaAdapter(opts: GsaOptions): SourceAdapter {
  return {
    name: opts.name,
    kind: 'gsa',
    needsBrowser: false,
    async collect(run: SourceRun): Promise<CollectResult> {
      if (!run.apiKey)
        throw new MissingApiKeyError(
          `${opts.name}: the GSA Auctions API needs a key (X-API-KEY); set apiKeyEnv and that environment variable`,
        );
      const fetched = await run.fetcher.request(opts.url, { accept: 'application/json', headers: { 'X-API-KEY': run.apiKey } });
      const data = parseJsonAnswer(fetched, opts.url, (m) => new SourceLayoutError(m));
      const results = getInsensitive(data, 'Results');
      if (!results || !Array.isArray(results.value)) {
        const keys = data && typeof data === 'object' ? Object.keys(data).slice(0, 8).join(', ') : typeof data;
        throw new SourceLayoutError(`${opts.url}: no Results array in the answer (found ${keys || 'nothing'}); the API changed`);
      }
      const lots = (results.value as unknown[]).map((lot, i) =>
        lot !== null && typeof lot === 'object' && !Array.isArray(lot)
          ? new CaseInsensitiveRecord(lot as Record<string, unknown>, `/${results.key}/${i}`)
          : null,
      );
      assertLayout(
        opts.url,
        lots.map((l) => ({ missing: l ? STRUCTURAL.filter((k) => !l.has(k)) : [...STRUCTURAL] })),
        STRUCTURAL,
      );
      const origin: PageOrigin = {
        sourceUrl: fetched.url,
        fetchedAt: fetched.fetchedAt,
        snapshotHash: fetched.hash,
        extractorVersion: GSA_EXTRACTOR,
      };
      const now = new Date(run.clock.now());
      const result: CollectResult = { batch: { accepted: [], rejected: [] }, skipped: [], pages: 1, notes: [], coverage: null };
      const coverage = new ParseCoverage(GSA_FIELDS);
      lots.forEach((lot, i) => {
        const row = i + 1;
        if (!lot) {
          result.batch.rejected.push({
            row,
            lotId: null,
            source: 'gsa',
            reason: `/${results.key}/${i} is not an object`,
            raw: { value: (results.value as unknown[])[i] },
          });
          return;
        }
        const d = draftFor(lot);
        coverage.add(d);
        fileDraft(finishDraft('gsa', row, d, origin, now), result.batch, result.skipped);
      });
      run.progress?.({ pages: 1, found: lots.length, total: lots.length });
      result.coverage = coverage.summary();
      return result;
    },
  };
}
