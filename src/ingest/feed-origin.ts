// Provenance for CSV/JSON feed files: each accepted row gets a ListingOrigin naming the file (by
// content hash), and per field the CSV row/column or JSON Pointer its value was read from. The
// locators come from the parser's own reading of each row (AcceptedListing.cells), so the file is
// read once and provenance can never disagree with what was imported.
import { createHash } from 'node:crypto';
import type { ListingInput } from '../opportunities/index.js';
import { headerKey } from './csv-records.js';
import { FEED_COLUMN_OF_FIELD } from './feed-columns.js';
import type { AcceptedListing } from './feed.js';
import type { ListingOrigin } from '../quality/index.js';

export const FEED_EXTRACTOR_VERSION = 'feed-reader/1.0.0';

const blank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

export function snapshotHash(content: string | Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

// Each listing field's column as a header key, worked out once rather than per row and field.
const FIELD_KEYS = (Object.entries(FEED_COLUMN_OF_FIELD) as Array<[keyof ListingInput, string]>).map(
  ([field, column]): [keyof ListingInput, string] => [field, headerKey(column)],
);
const DESCRIPTION_KEY = headerKey('description');

/** Origins for a parsed feed, in the order of `accepted`. */
export function feedOrigins(
  content: string | Buffer,
  originName: string,
  fetchedAt: Date,
  accepted: readonly AcceptedListing[],
): ListingOrigin[] {
  return feedOriginsOf(snapshotHash(content), originName, fetchedAt, accepted);
}

/** The same, for a file known by its hash (a streamed import hashes it on the first read). */
export function feedOriginsOf(hash: string, originName: string, fetchedAt: Date, accepted: readonly AcceptedListing[]): ListingOrigin[] {
  const sourceUrl = `urn:dealerscope:feed:${encodeURIComponent(originName)}`;
  return accepted.map((a) => {
    const locators: ListingOrigin['locators'] = {};
    const methods: NonNullable<ListingOrigin['methods']> = {};
    for (const [field, key] of FIELD_KEYS) {
      const cell = a.cell(key);
      if (cell) locators[field] = cell.locator;
      methods[field] = cell && !blank(cell.value) ? 'extracted' : 'default';
    }
    for (const d of a.derived) {
      methods[d] = 'derived';
      // VIN and mileage found in the free text point at the description they were read from.
      locators[d] = d === 'title' ? undefined : a.cell(DESCRIPTION_KEY)?.locator;
      if (locators[d] === undefined) delete locators[d];
    }
    const origin: ListingOrigin = { sourceUrl, fetchedAt, snapshotHash: hash, extractorVersion: FEED_EXTRACTOR_VERSION, locators, methods };
    // Read from its cell with an assumption (a date-only auction end placed in the lot's zone).
    for (const [field, assumption] of Object.entries(a.assumed ?? {}) as Array<[keyof ListingInput, string]>) {
      methods[field] = 'imputed';
      (origin.assumptions ??= {})[field] = assumption;
      (origin.inputs ??= {})[field] = ['location.zip', 'location.state'];
    }
    return origin;
  });
}
