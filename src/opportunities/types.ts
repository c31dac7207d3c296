// Domain types shared by the engine, the repository and the routes.
// Money is always integer cents inside the service; ratios are basis points (1 % = 100 bp).

export type TitleStatus = 'clean' | 'rebuilt' | 'salvage' | 'flood' | 'lemon' | 'unknown';
export type OpportunityStatus = 'hot' | 'good' | 'moderate';
export type ValuationMethod = 'comps' | 'model' | 'blend';

/** A validated auction listing as the engine sees it. */
export interface ListingInput {
  source: string;            // normalised lower-case source key, e.g. 'govdeals'
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
  state: string;             // two-letter US state code, upper case
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
}

/** A market comparable: either one dealer sale or an aggregated market price row. */
export type Comp =
  | {
      kind: 'sale';
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

export interface Valuation {
  estimateCents: number;     // after the title multiplier
  lowCents: number;
  highCents: number;
  method: ValuationMethod;
  sampleSize: number;
}

export interface Appraisal {
  costs: Costs;
  valuation: Valuation;
  profitCents: number;
  roiBp: number;             // ROI % × 100, rounded half away from zero
  marginBp: number;          // margin % × 100
  confidence: number;        // 0–100 integer
  riskScore: number;         // 0–100 integer
  score: number;             // 0–100 integer
  status: OpportunityStatus;
  /** Things the engine had to assume (unknown source fees, state-level distance, …). */
  assumptions: string[];
  transportMiles: number;
}
