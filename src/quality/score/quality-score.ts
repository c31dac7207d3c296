// Data quality score (DAMA dimensions): completeness, validity, uniqueness, timeliness and
// consistency, each a ratio 0–1, per source and overall, combined as a weighted mean.
import type { ListingInput } from '../../opportunities/index.js';
import { CROSS_FIELD_RULES, validateListing } from '../contract/listing-contract.js';
import { byCodeUnit } from '../../common/compare.js';

export interface QualityRecord {
  listing: ListingInput;
  /** When the record was read from its source. */
  fetchedAt: number;
  /** Contract verdict at fetch time (false for quarantined records). */
  compliant: boolean;
}

export type Dimension = 'completeness' | 'validity' | 'uniqueness' | 'timeliness' | 'consistency';
export type Dimensions = Record<Dimension, number>;

export const DIMENSION_WEIGHTS: Dimensions = { completeness: 0.2, validity: 0.25, uniqueness: 0.2, timeliness: 0.15, consistency: 0.2 };
/** Optional fields a dealer relies on; required ones are guaranteed by the reader. */
export const COMPLETENESS_FIELDS = ['vin', 'mileage', 'trim', 'city', 'zip', 'listingUrl', 'description', 'titleStatus'] as const;
/** A listing not re-read within this long is stale even while its auction runs. */
export const DEFAULT_FRESHNESS_MS = 7 * 86_400_000;

export interface QualityScore {
  records: number;
  dimensions: Dimensions;
  score: number;
}

export interface QualityReport {
  overall: QualityScore;
  sources: Record<string, QualityScore>;
  weights: Dimensions;
}

const filled = (l: ListingInput, f: (typeof COMPLETENESS_FIELDS)[number]): boolean =>
  f === 'titleStatus' ? l.titleStatus !== 'unknown' : l[f] !== null && l[f] !== undefined && l[f] !== '';

function scoreOf(records: readonly QualityRecord[], vinCount: ReadonlyMap<string, number>, now: number, freshnessMs: number): QualityScore {
  const n = records.length;
  if (n === 0) return { records: 0, dimensions: { completeness: 1, validity: 1, uniqueness: 1, timeliness: 1, consistency: 1 }, score: 1 };
  let cells = 0;
  let valid = 0;
  let withVin = 0;
  let duplicated = 0;
  let timely = 0;
  let consistent = 0;
  for (const r of records) {
    cells += COMPLETENESS_FIELDS.filter((f) => filled(r.listing, f)).length;
    if (r.compliant) valid++;
    if (r.listing.vin) {
      withVin++;
      if ((vinCount.get(r.listing.vin) ?? 0) > 1) duplicated++;
    }
    if (r.listing.auctionEndsAt.getTime() > now && now - r.fetchedAt <= freshnessMs) timely++;
    if (!validateListing(r.listing, { now: r.fetchedAt }).some((v) => CROSS_FIELD_RULES.has(v.rule))) consistent++;
  }
  const dimensions: Dimensions = {
    completeness: cells / (n * COMPLETENESS_FIELDS.length),
    validity: valid / n,
    uniqueness: withVin === 0 ? 1 : 1 - duplicated / withVin,
    timeliness: timely / n,
    consistency: consistent / n,
  };
  const score = (Object.keys(DIMENSION_WEIGHTS) as Dimension[]).reduce((s, d) => s + DIMENSION_WEIGHTS[d] * dimensions[d], 0);
  return { records: n, dimensions, score };
}

export function qualityReport(records: readonly QualityRecord[], now: number, freshnessMs = DEFAULT_FRESHNESS_MS): QualityReport {
  // Duplicated VINs count across sources: the same vehicle listed twice is a defect wherever it is.
  const vinCount = new Map<string, number>();
  for (const r of records) if (r.listing.vin) vinCount.set(r.listing.vin, (vinCount.get(r.listing.vin) ?? 0) + 1);
  const bySource = new Map<string, QualityRecord[]>();
  for (const r of records) {
    const list = bySource.get(r.listing.source);
    if (list) list.push(r);
    else bySource.set(r.listing.source, [r]);
  }
  const sources: Record<string, QualityScore> = {};
  for (const [s, rs] of [...bySource].sort(([a], [b]) => byCodeUnit(a, b))) sources[s] = scoreOf(rs, vinCount, now, freshnessMs);
  return { overall: scoreOf(records, vinCount, now, freshnessMs), sources, weights: DIMENSION_WEIGHTS };
}
