import type { ArbitrageParams } from '../../config/index.js';
import type { ListingInput } from '../types.js';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Hyphens and spaces are the same word break: "county-owned" matches the keyword "county owned".
const fold = (s: string) =>
  s
    .toLowerCase()
    .replace(/[-‐–_/]+/g, ' ')
    .replace(/\s+/g, ' ');

/**
 * Seller names of public bodies (GSA's AgencyName, a GovDeals city or county account, a transit
 * authority): whatever they sell is an ex-government unit.
 */
const GOVERNMENT_SELLER = new RegExp(
  `\\b(${[
    'department',
    'dept',
    'county',
    'city of',
    'town of',
    'village of',
    'township',
    'borough',
    'parish',
    'state of',
    'commonwealth',
    'agency',
    'administration',
    'admin',
    'bureau',
    'authority',
    'district',
    'municipal',
    'municipality',
    'government',
    'federal',
    'united states',
    'u s',
    'us army',
    'army',
    'navy',
    'air force',
    'marine corps',
    'coast guard',
    'national guard',
    'police',
    'sheriff',
    'fire rescue',
    'public works',
    'public schools',
    'public utilities',
    'isd',
    'school',
    'schools',
    'university',
    'college',
    'transit',
    'commission',
    'corps of engineers',
    'forest service',
    'postal service',
    'gsa',
    'usda',
    'usps',
    'nasa',
    'fema',
  ].join('|')})\\b`,
);

/** A seller name that names a public body. */
export function isGovernmentSeller(sellerName: string | null | undefined): boolean {
  return !!sellerName && GOVERNMENT_SELLER.test(fold(sellerName.replace(/\./g, ' ')));
}

/**
 * Whole-word match so "Fleetwood" or "patrolman's bag" in a description does not trip the
 * surcharge wrongly; a public seller (agency, city, county) marks the unit too.
 */
export function isFleetUnit(listing: Pick<ListingInput, 'title' | 'description' | 'sellerName'>, params: ArbitrageParams): boolean {
  if (isGovernmentSeller(listing.sellerName)) return true;
  const keywords = fleetKeywordPattern(params.recon.fleetKeywords);
  return keywords !== null && keywords.test(` ${fold(`${listing.title} ${listing.description ?? ''}`)} `);
}

// One alternation per keyword list, built once: every appraisal asks, and building a RegExp per
// keyword per listing was a tenth of an import's appraisal time. Keyed by the keywords' text, so
// a reloaded or edited configuration gets its own pattern; a process sees a handful of lists.
const fleetPatterns = new Map<string, RegExp | null>();

function fleetKeywordPattern(keywords: readonly string[]): RegExp | null {
  const key = keywords.join('\u0000');
  let pattern = fleetPatterns.get(key);
  if (pattern === undefined) {
    pattern = keywords.length ? new RegExp(`(^|[^a-z0-9])(${keywords.map((k) => escapeRegExp(fold(k))).join('|')})([^a-z0-9]|$)`) : null;
    if (fleetPatterns.size >= 16) fleetPatterns.clear();
    fleetPatterns.set(key, pattern);
  }
  return pattern;
}

export function computeRecon(
  listing: Pick<ListingInput, 'title' | 'description' | 'sellerName'>,
  params: ArbitrageParams,
): { cents: number; fleet: boolean } {
  const fleet = isFleetUnit(listing, params);
  return { cents: params.recon.baseCents + (fleet ? params.recon.fleetSurchargeCents : 0), fleet };
}
