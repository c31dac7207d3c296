// JSON schemas of the opportunities API (README "API"). They drive response serialization and the
// generated OpenAPI document; request validation is done by list-query.ts so the strict and
// lenient modes can share one definition.
import { Type, type Static } from '@sinclair/typebox';

export const SORTS = ['newest', 'profit', 'roi', 'score', 'ending', 'headroom'] as const;
export const STATUSES = ['hot', 'good', 'moderate'] as const;

const Money = Type.Number({ description: 'US dollars' });
const Text = Type.Union([Type.String(), Type.Null()]);

const ComparableSchema = Type.Object({
  id: Type.Union([Type.Integer(), Type.Null()], { description: 'comparable sale (market_comps) id' }),
  kind: Type.Union([Type.Literal('sale'), Type.Literal('market')]),
  year: Type.Integer(),
  model: Type.String(),
  mileage: Type.Union([Type.Integer(), Type.Null()]),
  price: Money,
  saleDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  adjustedPrice: Type.Number({ description: "the price adjusted to this vehicle's year, mileage and service class" }),
  weight: Type.Number({ description: 'share of the comps estimate (0–1)' }),
});

const VehicleSchema = Type.Object({
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
  decoder: Type.String(),
});

export const OpportunitySchema = Type.Object(
  {
    id: Type.Integer(),
    vin: Type.Union([Type.String(), Type.Null()]),
    year: Type.Integer(),
    make: Type.String(),
    model: Type.String(),
    trim: Type.Union([Type.String(), Type.Null()]),
    mileage: Type.Union([Type.Integer(), Type.Null()]),
    titleStatus: Type.String(),
    source: Type.String(),
    lotId: Type.String(),
    listingUrl: Type.Union([Type.String(), Type.Null()]),
    location: Type.Object({
      city: Type.Union([Type.String(), Type.Null()]),
      state: Type.String(),
      zip: Type.Union([Type.String(), Type.Null()]),
    }),
    auctionEndsAt: Type.String({ format: 'date-time' }),
    currentBid: Money,
    costs: Type.Object({
      buyerPremium: Money,
      docFee: Money,
      transport: Money,
      recon: Money,
      total: Money,
      transportMiles: Type.Integer({ description: 'road miles to the dealer the transport cost is charged for' }),
    }),
    estimatedSalePrice: Money,
    valuation: Type.Object({
      low: Money,
      high: Money,
      method: Type.Union([Type.Literal('comps'), Type.Literal('model'), Type.Literal('blend')]),
      sampleSize: Type.Integer(),
      comparables: Type.Optional(
        Type.Array(ComparableSchema, { description: 'detail only: the comparables behind the estimate, heaviest first' }),
      ),
    }),
    vehicle: Type.Union([VehicleSchema, Type.Null()], {
      description: 'what the VIN decodes to (NHTSA vPIC), null without a decodable VIN',
    }),
    profit: Money,
    bidCeiling: Type.Union([Money, Type.Null()], {
      description: "highest bid that still makes the dealer's target profit and ROI after every cost; null when even a bid of 0 misses",
    }),
    headroom: Type.Union([Money, Type.Null()], { description: 'bidCeiling − currentBid; null with no ceiling' }),
    roi: Type.Number({ description: 'percent' }),
    margin: Type.Number({ description: 'percent' }),
    confidence: Type.Integer({ minimum: 0, maximum: 100 }),
    riskScore: Type.Integer({ minimum: 0, maximum: 100 }),
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    status: Type.Union(
      [...STATUSES, 'ended' as const].map((s) => Type.Literal(s)),
      { description: 'ended: the auction is over (detail only; ended auctions leave lists)' },
    ),
    anomalies: Type.Array(Type.Any()),
    sample: Type.Boolean({ description: 'true for the bundled sample data' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Opportunity' },
);
export type Opportunity = Static<typeof OpportunitySchema>;

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Any()),
    }),
  },
  { $id: 'Error' },
);

/**
 * The list response as one object with the two modes' fields optional. A union would make the
 * serializer validate every response to pick a branch, which cost more CPU than the cache saved.
 */
export const ListResponseSchema = Type.Object({
  data: Type.Optional(Type.Array(Type.Ref('Opportunity'), { description: 'legacy page mode' })),
  total: Type.Optional(Type.Integer({ description: 'legacy page mode' })),
  items: Type.Optional(Type.Array(Type.Ref('Opportunity'), { description: 'cursor mode' })),
  nextCursor: Type.Optional(Type.String({ description: 'cursor mode; absent on the last page' })),
  hasMore: Type.Boolean(),
});

/** Query string as documented; list-query.ts enforces it. */
export const ListQueryDoc = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, description: 'legacy mode: 1-based page' })),
  cursor: Type.Optional(Type.String({ description: 'cursor mode: opaque; empty asks for the first page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  sort: Type.Optional(Type.Union(SORTS.map((s) => Type.Literal(s)))),
  state: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
  make: Type.Optional(Type.String({ maxLength: 64 })),
  model: Type.Optional(Type.String({ maxLength: 64 })),
  source: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
  minProfit: Type.Optional(Type.Number({ description: 'dollars' })),
  minRoi: Type.Optional(Type.Number({ description: 'percent' })),
  maxRisk: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  yearMin: Type.Optional(Type.Integer()),
  yearMax: Type.Optional(Type.Integer()),
  endsBefore: Type.Optional(Type.String({ format: 'date-time' })),
  minHeadroom: Type.Optional(Type.Number({ description: 'dollars: bidCeiling − currentBid at least this' })),
});
