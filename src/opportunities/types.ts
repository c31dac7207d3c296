// Domain types shared by the engine, the repository and the routes.
// Money is always integer cents inside the service; ratios are basis points (1 % = 100 bp).

export type TitleStatus = 'clean' | 'rebuilt' | 'salvage' | 'flood' | 'lemon' | 'unknown';
export type OpportunityStatus = 'hot' | 'good' | 'moderate';
export type ValuationMethod = 'comps' | 'model' | 'blend';

/** What the VIN decodes to (NHTSA vPIC), as far as the engine uses it. */
export interface VehicleAttributes {
  make: string | null;
  model: string | null;
  series: string | null;
  trim: string | null;
  bodyClass: string | null;
  driveType: string | null;
  engine: string | null;
  fuelType: string | null;
  gvwr: string | null;
  vehicleType: string | null;
  /** Decoder and data release, for provenance. */
  decoder: string;
}

/** A validated auction listing as the engine sees it. */
export interface ListingInput {
  source: string; // normalised lower-case source key, e.g. 'govdeals'
  lotId: string;
  title: string;
  year: number;
  make: string;
  model: string;
  trim: string | null;
  vin: string | null;
  mileage: number | null;
  currentBidCents: number;
  auctionEndsAt: Date;
  city: string | null;
  state: string; // two-letter US state code, upper case
  zip: string | null;
  listingUrl: string | null;
  titleStatus: TitleStatus;
  description: string | null;
  /** Premium stated on the listing itself (percent, e.g. 10 for 10 %); wins over the source table. */
  buyerPremiumPct: number | null;
  /** Doc fee stated on the listing itself, in cents. */
  docFeeCents: number | null;
  /** Where the vehicle sits, when the source gives coordinates (GovDeals does). */
  latitude?: number | null;
  longitude?: number | null;
  /** Who sells it, as the source names the seller (GSA's agency, a GovDeals account's name). */
  sellerName?: string | null;
  /** The VIN's decode, when the VIN was decoded (quality capability). */
  vehicle?: VehicleAttributes | null;
  /** Text fields from which markup or control characters were stripped (the raw text is in provenance). */
  sanitized?: string[];
}

/** A market comparable: either one dealer sale or an aggregated market price row. */
export type Comp =
  | {
      kind: 'sale';
      /** market_comps row id, named in the valuation's provenance. */
      id?: number;
      vin?: string | null;
      /** police / civilian, from the trim, model or decoded VIN. */
      vehicleClass?: 'police' | 'civilian';
      make: string;
      model: string;
      year: number;
      trim: string | null;
      mileage: number | null;
      priceCents: number;
      saleDate: Date;
      state: string | null;
    }
  | {
      kind: 'market';
      id?: number;
      make: string;
      model: string;
      year: number;
      trim: string | null;
      avgCents: number;
      lowCents: number;
      highCents: number;
      sampleSize: number;
    };

export interface Costs {
  bidCents: number;
  buyerPremiumCents: number;
  docFeeCents: number;
  transportCents: number;
  reconCents: number;
  totalCents: number;
}

/** A comparable sale behind an estimate, as the detail API and provenance name it. */
export interface ComparableUsed {
  id: number | null;
  kind: 'sale' | 'market';
  year: number;
  model: string;
  mileage: number | null;
  priceCents: number;
  /** ISO date of the sale; null for a market price row. */
  saleDate: string | null;
  /** The price adjusted to the listing's year, mileage and class. */
  adjustedCents: number;
  /** Share of the estimate this comparable carries (0–1). */
  weight: number;
}

export interface Valuation {
  estimateCents: number; // after the title multiplier
  lowCents: number;
  highCents: number;
  method: ValuationMethod;
  sampleSize: number;
  /** The comparables behind the comps part of the estimate, heaviest first. */
  comparables?: ComparableUsed[];
}

export interface Appraisal {
  costs: Costs;
  valuation: Valuation;
  profitCents: number;
  roiBp: number; // ROI % × 100, rounded half away from zero
  marginBp: number; // margin % × 100
  confidence: number; // 0–100 integer
  riskScore: number; // 0–100 integer
  score: number; // 0–100 integer
  status: OpportunityStatus;
  /** Things the engine had to assume (unknown source fees, state-level distance, …). */
  assumptions: string[];
  transportMiles: number;
  /** Highest bid that still makes the dealer's target profit and ROI; null when a bid of 0 misses. */
  bidCeilingCents: number | null;
}
