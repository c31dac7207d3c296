// What every reader (a feed file, an auction source adapter) hands to the quality pipeline: the
// accepted listings with where each field came from, and the rows it could not read. Declared
// here, with the pipeline that consumes it, so quality never imports the readers above it.
import type { ListingInput } from '../opportunities/index.js';

export interface RejectedRow {
  row: number;
  lotId: string | null;
  source?: string | null;
  reason: string;
  raw: Record<string, unknown>;
}

/**
 * Where a listing's fields came from, as the reader that produced it knows it: the page or file,
 * when it was fetched, a hash of the bytes, and per field the locator (CSS selector, JSON Pointer,
 * CSV column) and how the value was obtained. The quality capability turns it into provenance.
 */
export interface ListingOrigin {
  sourceUrl: string;
  fetchedAt: Date;
  snapshotHash: string;
  extractorVersion: string;
  locators: Partial<Record<keyof ListingInput, string>>;
  methods?: Partial<Record<keyof ListingInput, 'extracted' | 'derived' | 'default' | 'imputed'>>;
  /** What the reader assumed to produce a value (e.g. a date-only auction end placed in a time zone). */
  assumptions?: Partial<Record<keyof ListingInput, string>>;
  /** Fields (provenance paths) a derived or imputed value was computed from, where the reader knows better than the defaults. */
  inputs?: Partial<Record<keyof ListingInput, string[]>>;
  /** Text as the source sent it, for fields the pipeline cleaned of markup or control characters. */
  raw?: Partial<Record<keyof ListingInput, string>>;
}

/** What every reader (feed file, auction source adapter) hands to the pipeline. */
export interface ListingBatch {
  accepted: Array<{ row: number; listing: ListingInput; origin?: ListingOrigin }>;
  rejected: RejectedRow[];
}
