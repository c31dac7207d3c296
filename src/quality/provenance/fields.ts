// Provenance per published field. Listing fields come from what the reader recorded (locator,
// method); opportunity fields are derived by the engine from named inputs. Every field path here
// is a leaf of the API Opportunity (or `listing.*` for listing fields the Opportunity omits).
import type { ArbitrageParams } from '../../config/index.js';
import { ENGINE_VERSION, OpportunitySchema, paramsHash } from '../../opportunities/index.js';
import type { ListingInput } from '../../opportunities/index.js';

export type ProvenanceMethod = 'extracted' | 'derived' | 'default' | 'imputed';

export interface FieldProvenance {
  field: string;
  method: ProvenanceMethod;
  /** CSS selector, JSON Pointer or CSV row/column; null when the value came from no place in the source. */
  locator: string | null;
  /** Fields (paths) the value was computed from. */
  inputs: string[];
  /** The agent that produced the value: the reader's extractor version or the engine's. */
  agent: string;
  activity: 'extraction' | 'appraisal' | 'anomaly_detection' | 'storage' | 'vin_decoding';
  sourceUrl: string | null;
  snapshotHash: string | null;
  at: string;
  /** What the reader had to assume to produce the value, when it had to (e.g. a date-only auction end). */
  assumption?: string;
  /** The text as the source sent it, when markup or control characters were stripped from the published value. */
  raw?: string;
}

/** Listing field → path of the same value in the API (listing-only fields live under `listing.`). */
/** Listing fields read from a source; `vehicle` and `sanitized` are added by the pipeline. */
export type ReadListingField = Exclude<keyof ListingInput, 'vehicle' | 'sanitized'>;
export const LISTING_FIELD_PATHS: Record<ReadListingField, string> = {
  source: 'source',
  lotId: 'lotId',
  title: 'listing.title',
  year: 'year',
  make: 'make',
  model: 'model',
  trim: 'trim',
  vin: 'vin',
  mileage: 'mileage',
  currentBidCents: 'currentBid',
  auctionEndsAt: 'auctionEndsAt',
  city: 'location.city',
  state: 'location.state',
  zip: 'location.zip',
  listingUrl: 'listingUrl',
  titleStatus: 'titleStatus',
  description: 'listing.description',
  buyerPremiumPct: 'listing.buyerPremiumPct',
  docFeeCents: 'listing.docFee',
  latitude: 'listing.latitude',
  longitude: 'listing.longitude',
  sellerName: 'listing.sellerName',
};
export const LISTING_FIELDS = Object.keys(LISTING_FIELD_PATHS) as ReadListingField[];

/** What each engine output is computed from (docs/deal-intelligence.md and the config comments). */
export const ENGINE_DERIVATIONS: Record<string, string[]> = {
  'costs.buyerPremium': ['currentBid', 'source', 'listing.buyerPremiumPct', 'config:fees'],
  'costs.docFee': ['source', 'listing.docFee', 'config:fees'],
  'costs.transport': ['location.state', 'location.zip', 'listing.latitude', 'listing.longitude', 'config:transport', 'config:dealer'],
  'costs.recon': ['listing.title', 'listing.description', 'listing.sellerName', 'make', 'model', 'config:recon'],
  'costs.transportMiles': ['location.zip', 'location.state', 'listing.latitude', 'listing.longitude', 'config:transport', 'config:dealer'],
  'costs.total': ['currentBid', 'costs.buyerPremium', 'costs.docFee', 'costs.transport', 'costs.recon'],
  estimatedSalePrice: [
    'make',
    'model',
    'trim',
    'year',
    'mileage',
    'titleStatus',
    'vehicle',
    'valuation.comparables',
    'config:valuation',
    'config:depreciation',
    'config:title',
  ],
  'valuation.comparables': ['comps', 'make', 'model', 'trim', 'year', 'mileage', 'vehicle', 'config:valuation'],
  'valuation.low': ['make', 'model', 'year', 'mileage', 'titleStatus', 'comps', 'config:valuation'],
  'valuation.high': ['make', 'model', 'year', 'mileage', 'titleStatus', 'comps', 'config:valuation'],
  'valuation.method': ['comps', 'config:valuation'],
  'valuation.sampleSize': ['comps', 'make', 'model', 'year'],
  profit: ['estimatedSalePrice', 'costs.total'],
  roi: ['profit', 'costs.total'],
  margin: ['profit', 'estimatedSalePrice'],
  confidence: ['valuation.sampleSize', 'year', 'mileage', 'vin', 'titleStatus', 'estimatedSalePrice'],
  riskScore: ['year', 'mileage', 'valuation.low', 'valuation.high', 'estimatedSalePrice', 'valuation.sampleSize', 'titleStatus'],
  score: ['profit', 'roi', 'confidence', 'riskScore'],
  bidCeiling: [
    'estimatedSalePrice',
    'source',
    'listing.buyerPremiumPct',
    'costs.docFee',
    'costs.transport',
    'costs.recon',
    'config:fees',
    'config:dealer',
  ],
  headroom: ['bidCeiling', 'currentBid'],
  // The fallbacks the figures above rest on: named by the fee, transport, recon, valuation and risk steps.
  assumptions: [
    'source',
    'listing.buyerPremiumPct',
    'listing.docFee',
    'location.zip',
    'location.state',
    'listing.latitude',
    'listing.longitude',
    'listing.title',
    'listing.description',
    'listing.sellerName',
    'make',
    'model',
    'year',
    'mileage',
    'titleStatus',
    'comps',
    'config:fees',
    'config:transport',
    'config:dealer',
    'config:recon',
    'config:valuation',
  ],
  status: ['profit', 'roi', 'confidence', 'riskScore', 'anomalies'],
};
/** Fields the service itself assigns when it stores a listing. */
export const STORAGE_FIELDS: Record<string, { method: ProvenanceMethod; inputs: string[] }> = {
  id: { method: 'default', inputs: [] },
  createdAt: { method: 'default', inputs: [] },
  updatedAt: { method: 'derived', inputs: ['listing.fetchedAt'] },
  sample: { method: 'default', inputs: [] },
};
/** The decoded VIN: derived from the VIN alone by the offline vPIC decoder. */
export const VIN_DECODE_INPUTS = ['vin'];
export const VEHICLE_FIELDS = [
  'make',
  'model',
  'series',
  'trim',
  'bodyClass',
  'driveType',
  'engine',
  'fuelType',
  'gvwr',
  'vehicleType',
  'decoder',
] as const;
export const ANOMALY_INPUTS = ['currentBid', 'mileage', 'vin', 'year', 'auctionEndsAt', 'make', 'model', 'titleStatus', 'comps'];

/** Leaf paths of a JSON object schema; arrays, unions and scalars are leaves. */
function leafPaths(schema: object, prefix = ''): string[] {
  const { type, properties: props } = schema as { type?: unknown; properties?: Record<string, object> };
  if (type !== 'object' || !props) return [prefix];
  return Object.entries(props).flatMap(([k, s]) => leafPaths(s, prefix ? `${prefix}.${k}` : k));
}

/** Every field the API publishes for an opportunity, read from its response schema. */
export const PUBLISHED_OPPORTUNITY_FIELDS: readonly string[] = leafPaths(OpportunitySchema);
/** …plus the listing fields the Opportunity does not show: together, everything published. */
export const PUBLISHED_FIELDS: readonly string[] = [
  ...PUBLISHED_OPPORTUNITY_FIELDS,
  ...Object.values(LISTING_FIELD_PATHS).filter((p) => p.startsWith('listing.')),
];

/** Names the engine build and its parameters, so a changed fee table shows in the provenance. */
export function engineVersion(params: ArbitrageParams): string {
  return `arbitrage-engine/${ENGINE_VERSION}+params.${paramsHash(params)}`;
}
