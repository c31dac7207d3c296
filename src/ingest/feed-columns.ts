// The listing feed's columns (the README lists them): which are required, how long each may be,
// which listing field each fills, and the normalisers of the two columns read as vocabularies
// (source and title brand).
import { headerKey } from './csv-records.js';
import type { AcceptedListing } from './feed.js';

// The listing a feed row becomes (feed.ts), named through it rather than importing opportunities' types again.
type ListingInput = AcceptedListing['listing'];
type TitleStatus = ListingInput['titleStatus'];

const FEED_COLUMNS = [
  'source',
  'lot_id',
  'title',
  'year',
  'make',
  'model',
  'trim',
  'vin',
  'mileage',
  'current_bid',
  'auction_end',
  'city',
  'state',
  'zip',
  'listing_url',
  'title_status',
  'description',
  'buyer_premium_pct',
  'doc_fee',
] as const;
export type FeedColumn = (typeof FEED_COLUMNS)[number];
/** The feed column each listing field is read from: the locator provenance names for a field. */
export const FEED_COLUMN_OF_FIELD: Partial<Record<keyof ListingInput, FeedColumn>> = {
  source: 'source',
  lotId: 'lot_id',
  title: 'title',
  year: 'year',
  make: 'make',
  model: 'model',
  trim: 'trim',
  vin: 'vin',
  mileage: 'mileage',
  currentBidCents: 'current_bid',
  auctionEndsAt: 'auction_end',
  city: 'city',
  state: 'state',
  zip: 'zip',
  listingUrl: 'listing_url',
  titleStatus: 'title_status',
  description: 'description',
  buyerPremiumPct: 'buyer_premium_pct',
  docFeeCents: 'doc_fee',
};
/**
 * Optional fields an update leaves as stored when its file has no column for them, each with that
 * column. (The title is not among them: without its column it is made from year, make and model.)
 */
export const KEPT_FIELDS = [
  ['trim', 'trim'],
  ['vin', 'vin'],
  ['mileage', 'mileage'],
  ['city', 'city'],
  ['zip', 'zip'],
  ['listingUrl', 'listing_url'],
  ['titleStatus', 'title_status'],
  ['description', 'description'],
  ['buyerPremiumPct', 'buyer_premium_pct'],
  ['docFeeCents', 'doc_fee'],
] as const satisfies ReadonlyArray<readonly [keyof ListingInput, FeedColumn]>;
export type KeptField = (typeof KEPT_FIELDS)[number][0];
export const REQUIRED: readonly FeedColumn[] = ['source', 'lot_id', 'year', 'make', 'model', 'current_bid', 'auction_end', 'state'];
export const COLUMN_BY_KEY = new Map<string, FeedColumn>(FEED_COLUMNS.map((c) => [headerKey(c), c]));
// Limits keep a hostile or broken feed from stuffing megabytes into every downstream layer.
export const MAX_LENGTH: Partial<Record<FeedColumn, number>> = { description: 10_000, listing_url: 2_048, title: 300 };
export const DEFAULT_MAX_LENGTH = 200;
export const FREE_TEXT: ReadonlySet<FeedColumn> = new Set(['title', 'description', 'make', 'model', 'trim', 'city']);

// Most specific first: "rebuilt salvage" is rebuilt and "salvage - flood" is flood.
const TITLE_PATTERNS: Array<[RegExp, TitleStatus]> = [
  [/flood|water\s*damage/, 'flood'],
  [/lemon|buy\s*back|buyback/, 'lemon'],
  [/rebuil|reconstruct|restored|prior\s+salvage/, 'rebuilt'],
  [/salvage|junk|non-?repairable|parts\s+only|certificate\s+of\s+destruction|dismantl/, 'salvage'],
  // GSA's SF-97 (the federal certificate a state titles the vehicle from) is a clean-title path.
  [/clean|clear|standard|^regular$|\bsf[\s-]?97\b|certificate to obtain title/, 'clean'],
];

/** Free-text title brand → one of the engine's statuses; anything unrecognised is unknown. */
export function normalizeTitleStatus(raw: string | null): TitleStatus {
  const t = (raw ?? '').trim().toLowerCase();
  for (const [re, status] of TITLE_PATTERNS) if (re.test(t)) return status;
  return 'unknown';
}
