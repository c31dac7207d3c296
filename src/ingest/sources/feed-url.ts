// CSV / JSON listing feeds fetched from a URL: the same reader as `dealerscope ingest --file`,
// with the fetch's snapshot and the CSV column (or JSON key) as each field's locator.
import type { ListingInput } from '../../opportunities/index.js';
import { detectFeedFormat, parseListingFeed } from '../feed.js';
import { FeedFormatError } from '../feed-rows.js';
import { FEED_COLUMN_OF_FIELD } from '../feed-columns.js';
import type { ListingOrigin } from '../import-service.js';
import { SourceLayoutError, type CollectResult, type SourceAdapter, type SourceRun } from './types.js';

export const FEED_EXTRACTOR = 'listing-feed@1';

export interface FeedUrlOptions {
  name: string;
  url: string;
}

export function feedUrlAdapter(opts: FeedUrlOptions): SourceAdapter {
  return {
    name: opts.name,
    kind: 'feed',
    needsBrowser: false,
    async collect(run: SourceRun): Promise<CollectResult> {
      const fetched = await run.fetcher.get(opts.url, 'text/csv, application/json;q=0.9');
      const format = detectFeedFormat(new URL(fetched.url).pathname, fetched.body);
      let parsed;
      try {
        parsed = parseListingFeed(fetched.body, format, { now: new Date(run.clock.now()) });
      } catch (err) {
        if (err instanceof FeedFormatError) throw new SourceLayoutError(`${opts.url}: ${err.message}`);
        throw err;
      }
      const locate = (row: number, column: string) => (format === 'csv' ? `row ${row} column ${column}` : `/${row - 1}/${column}`);
      const accepted = parsed.accepted.map((a) => {
        const locators: ListingOrigin['locators'] = {};
        const methods: NonNullable<ListingOrigin['methods']> = {};
        for (const [field, column] of Object.entries(FEED_COLUMN_OF_FIELD) as Array<[keyof ListingInput, string]>) {
          const value = a.listing[field];
          if (value === null || value === undefined) continue;
          // An absent or unrecognised title brand is the reader's default, not a value from the feed.
          const defaulted = field === 'titleStatus' && value === 'unknown';
          locators[field] = defaulted ? 'none' : locate(a.row, column);
          methods[field] = defaulted ? 'default' : 'extracted';
        }
        for (const d of a.derived) {
          locators[d] = d === 'title' ? locate(a.row, 'year + make + model + trim') : locate(a.row, 'description');
          methods[d] = 'derived';
        }
        const origin: ListingOrigin = {
          sourceUrl: fetched.url,
          fetchedAt: fetched.fetchedAt,
          snapshotHash: fetched.hash,
          extractorVersion: FEED_EXTRACTOR,
          locators,
          methods,
        };
        return { row: a.row, listing: a.listing, origin };
      });
      run.progress?.({ pages: 1, found: accepted.length + parsed.rejected.length, total: null });
      return {
        batch: { accepted, rejected: parsed.rejected },
        skipped: [],
        coverage: null,
        pages: 1,
        notes: parsed.superseded.map((s) => `row ${s.row} (${s.source} ${s.lotId}) superseded by row ${s.supersededBy}`),
      };
    },
  };
}
