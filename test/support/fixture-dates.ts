// Test fixtures' auctions end in December 2026, and the contract judges them against the real
// clock (an auction that ended over a day ago is quarantined). Moved forward by whole days as the
// bundled sample is, they stay as far ahead of today as they were of 1 December 2026.
import { sampleShiftDays, shiftListingFeed } from '../../src/ingest/sample.js';

/** `feed` (a listing feed, or one ISO date) with its auction ends moved as the sample's are today. */
export function movedLikeTheSample(feed: string): string {
  return shiftListingFeed(feed, sampleShiftDays(Date.now()));
}
