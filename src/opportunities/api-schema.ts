// JSON schemas of the opportunities API (README "API"). They drive response serialization and the
// generated OpenAPI document; request validation is done by list-query.ts so the strict and
// lenient modes can share one definition.
//
// Plain JSON Schema, with the TypeScript types read off it at compile time (json-schema-to-ts,
// types only): a schema builder library would be loaded into every replica for the sake of this
// one file and the arbitrage config's, and TypeBox cost an idle replica 1.2 MB of heap in 247 modules.
import type { FromSchema } from 'json-schema-to-ts';
import { allRequired, orNull } from '../common/json-schema.js';

export const SORTS = ['newest', 'profit', 'roi', 'score', 'ending', 'headroom'] as const;
export const STATUSES = ['hot', 'good', 'moderate'] as const;
/** Bounds the list query enforces (list-query.ts), stated once so the document says the same. */
export const MAX_PAGE = 1_000_000;
export const MONEY_BOUND = 1e9;
export const ROI_BOUND = 100_000;

const Money = { type: 'number', description: 'US dollars' } as const;
const Integer = { type: 'integer' } as const;
const Str = { type: 'string' } as const;
const Text = orNull(Str);
const NullableInteger = orNull(Integer);
const DateTime = { type: 'string', format: 'date-time' } as const;
const Score = { type: 'integer', minimum: 0, maximum: 100 } as const;
const literal = <const V extends string>(value: V) => ({ const: value, type: 'string' }) as const;

const ComparableSchema = allRequired({
  id: { ...NullableInteger, description: 'comparable sale (market_comps) id' },
  kind: { anyOf: [literal('sale'), literal('market')] },
  year: Integer,
  model: Str,
  mileage: NullableInteger,
  price: Money,
  saleDate: orNull({ type: 'string', format: 'date' }),
  adjustedPrice: { type: 'number', description: "the price adjusted to this vehicle's year, mileage and service class" },
  weight: { type: 'number', description: 'share of the comps estimate (0–1)' },
});

const VehicleSchema = allRequired({
  make: Text,
  model: Text,
  series: Text,
  trim: Text,
  bodyClass: Text,
  driveType: Text,
  engine: Text,
  fuelType: Text,
  gvwr: Text,
  vehicleType: Text,
  decoder: Str,
});

export const OpportunitySchema = {
  $id: 'Opportunity',
  ...allRequired({
    id: Integer,
    vin: Text,
    year: Integer,
    make: Str,
    model: Str,
    trim: Text,
    mileage: NullableInteger,
    titleStatus: Str,
    source: Str,
    lotId: Str,
    listingUrl: Text,
    location: allRequired({ city: Text, state: Str, zip: Text }),
    auctionEndsAt: DateTime,
    currentBid: Money,
    costs: allRequired({
      buyerPremium: Money,
      docFee: Money,
      transport: Money,
      recon: Money,
      total: Money,
      transportMiles: { type: 'integer', description: 'road miles to the dealer the transport cost is charged for' },
    }),
    estimatedSalePrice: Money,
    valuation: {
      type: 'object',
      properties: {
        low: Money,
        high: Money,
        method: { anyOf: [literal('comps'), literal('model'), literal('blend')] },
        sampleSize: Integer,
        comparables: {
          type: 'array',
          items: ComparableSchema,
          description: 'detail only: the comparables behind the estimate, heaviest first',
        },
      },
      required: ['low', 'high', 'method', 'sampleSize'],
    },
    vehicle: {
      ...orNull(VehicleSchema),
      description: 'what the VIN decodes to (NHTSA vPIC), null without a decodable VIN',
    },
    profit: Money,
    bidCeiling: {
      ...orNull(Money),
      description: "highest bid that still makes the dealer's target profit and ROI after every cost; null when even a bid of 0 misses",
    },
    headroom: { ...orNull(Money), description: 'bidCeiling − currentBid; null with no ceiling' },
    roi: { type: 'number', description: 'percent' },
    margin: { type: 'number', description: 'percent' },
    confidence: Score,
    riskScore: Score,
    score: Score,
    status: {
      anyOf: [literal('hot'), literal('good'), literal('moderate'), literal('ended')],
      description: 'ended: the auction is over (detail only; ended auctions leave lists)',
    },
    anomalies: { type: 'array', items: {} },
    assumptions: {
      type: 'array',
      items: Str,
      description:
        "figures that rest on a fallback, not on the listing's own data: fees:unknown_source, transport:zip_prefix, transport:state_centroid, transport:unknown_state, recon:fleet_surcharge, valuation:title_unknown and the others in docs/deal-intelligence.md; [] when none",
    },
    sample: { type: 'boolean', description: 'true for the bundled sample data' },
    createdAt: DateTime,
    updatedAt: DateTime,
  }),
} as const;

export type Opportunity = FromSchema<typeof OpportunitySchema>;

export const ErrorSchema = {
  $id: 'Error',
  ...allRequired({
    error: {
      type: 'object',
      properties: { code: Str, message: Str, details: {} },
      required: ['code', 'message'],
    },
  }),
} as const;

const OpportunityList = (description: string) => ({ type: 'array', items: { $ref: 'Opportunity' }, description }) as const;

/**
 * The list response as one object with the two modes' fields optional. A union would make the
 * serializer validate every response to pick a branch, which cost more CPU than the cache saved.
 */
export const ListResponseSchema = {
  type: 'object',
  properties: {
    data: OpportunityList('legacy page mode'),
    total: { type: 'integer', description: 'legacy page mode' },
    items: OpportunityList('cursor mode'),
    nextCursor: { type: 'string', description: 'cursor mode; absent on the last page' },
    hasMore: { type: 'boolean' },
  },
  required: ['hasMore'],
} as const;

const Filter = { type: 'string', maxLength: 64 } as const;

/** Query string as documented; list-query.ts enforces it. */
export const ListQueryDoc = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 1, maximum: MAX_PAGE, description: 'legacy mode: 1-based page' },
    cursor: { type: 'string', description: 'cursor mode: opaque; empty asks for the first page' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    sort: { anyOf: SORTS.map(literal) },
    state: { type: 'string', pattern: '^[A-Za-z]{2}$', description: 'a US state, DC or territory code, any case' },
    make: Filter,
    model: Filter,
    source: Filter,
    status: { anyOf: STATUSES.map(literal) },
    minProfit: { type: 'number', minimum: -MONEY_BOUND, maximum: MONEY_BOUND, description: 'dollars' },
    minRoi: { type: 'number', minimum: -ROI_BOUND, maximum: ROI_BOUND, description: 'percent' },
    maxRisk: { type: 'number', minimum: 0, maximum: 100 },
    yearMin: { type: 'integer', minimum: 1900, maximum: 2100 },
    yearMax: { type: 'integer', minimum: 1900, maximum: 2100 },
    endsBefore: {
      anyOf: [
        { type: 'string', format: 'date-time' },
        { type: 'string', format: 'date' },
      ],
      description: 'an RFC 3339 date-time with its zone, or a calendar date (the start of that day, UTC)',
    },
    minHeadroom: {
      type: 'number',
      minimum: -MONEY_BOUND,
      maximum: MONEY_BOUND,
      description: 'dollars: bidCeiling − currentBid at least this',
    },
    includeFlagged: {
      type: 'boolean',
      default: true,
      description:
        'false leaves out opportunities with an open anomaly or data-quality flag; by default they are listed after every unflagged one',
    },
  },
} as const;
