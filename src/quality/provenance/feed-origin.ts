// Provenance for CSV/JSON feed files: each accepted row gets a ListingOrigin naming the file (by
// content hash), and per field the CSV row/column or JSON Pointer its value was read from.
import { createHash } from 'node:crypto';
import type { AcceptedListing, FeedFormat } from '../../ingest/feed.js';
import { headerKey, readCsvRecords } from '../../ingest/feed.js';
import type { ListingOrigin } from '../../ingest/import-service.js';
import type { ListingInput } from '../../opportunities/types.js';

export const FEED_EXTRACTOR_VERSION = 'feed-reader/1.0.0';

const FEED_COLUMN: Partial<Record<keyof ListingInput, string>> = {
  source: 'source', lotId: 'lot_id', title: 'title', year: 'year', make: 'make', model: 'model', trim: 'trim', vin: 'vin',
  mileage: 'mileage', currentBidCents: 'current_bid', auctionEndsAt: 'auction_end', city: 'city', state: 'state', zip: 'zip',
  listingUrl: 'listing_url', titleStatus: 'title_status', description: 'description', buyerPremiumPct: 'buyer_premium_pct',
  docFeeCents: 'doc_fee',
};

const pointerToken = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
const blank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

export function snapshotHash(content: string | Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** Origins for a parsed feed, in the order of `accepted`. */
export function feedOrigins(content: string | Buffer, format: FeedFormat, originName: string, fetchedAt: Date, accepted: readonly AcceptedListing[]): ListingOrigin[] {
  const hash = snapshotHash(content);
  const sourceUrl = `urn:dealerscope:feed:${encodeURIComponent(originName)}`;
  // Per row: canonical column → [locator, raw value].
  let cellsOf: (row: number) => Map<string, [string, unknown]>;
  if (format === 'csv') {
    const records = readCsvRecords(content);
    const header = records[0]?.fields ?? [];
    const byRow = new Map(records.map((r) => [r.row, r.fields ?? []]));
    cellsOf = (row) => {
      const cells = new Map<string, [string, unknown]>();
      const fields = byRow.get(row) ?? [];
      header.forEach((name, i) => cells.set(headerKey(name), [`csv:row=${row};column=${name.trim()}`, fields[i]]));
      return cells;
    };
  } else {
    const data = JSON.parse((typeof content === 'string' ? content : content.toString('utf8')).replace(/^\uFEFF/, '')) as Array<Record<string, unknown>>;
    cellsOf = (row) => {
      const cells = new Map<string, [string, unknown]>();
      const item = data[row - 1] ?? {};
      for (const [k, v] of Object.entries(item)) cells.set(headerKey(k), [`/${row - 1}/${pointerToken(k)}`, v]);
      return cells;
    };
  }
  return accepted.map((a) => {
    const cells = cellsOf(a.row);
    const locators: ListingOrigin['locators'] = {};
    const methods: NonNullable<ListingOrigin['methods']> = {};
    for (const [field, column] of Object.entries(FEED_COLUMN) as Array<[keyof ListingInput, string]>) {
      const cell = cells.get(headerKey(column));
      if (cell) locators[field] = cell[0];
      methods[field] = cell && !blank(cell[1]) ? 'extracted' : 'default';
    }
    for (const d of a.derived) {
      methods[d] = 'derived';
      // VIN and mileage found in the free text point at the description they were read from.
      locators[d] = d === 'title' ? undefined : cells.get(headerKey('description'))?.[0];
      if (locators[d] === undefined) delete locators[d];
    }
    return { sourceUrl, fetchedAt, snapshotHash: hash, extractorVersion: FEED_EXTRACTOR_VERSION, locators, methods };
  });
}
