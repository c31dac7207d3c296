// Row → API shape: cents become dollars and basis points become percents only here, at the edge.
import { toBool, type OpportunityRow } from '../storage/index.js';
import type { Opportunity } from './api-schema.js';
import type { ComparableUsed } from './types.js';

const dollars = (cents: number) => Math.round(cents) / 100;
const percent = (bp: number) => Math.round(bp) / 100;

/** `detail` adds what only the single-opportunity answer carries: the comparables behind the estimate. */
export function toOpportunity(r: OpportunityRow, opts: { detail?: boolean } = {}): Opportunity {
  const comparables = opts.detail
    ? (JSON.parse(r.comparables_json) as ComparableUsed[]).map((c) => ({
        id: c.id,
        kind: c.kind,
        year: c.year,
        model: c.model,
        mileage: c.mileage,
        price: dollars(c.priceCents),
        saleDate: c.saleDate,
        adjustedPrice: dollars(c.adjustedCents),
        weight: c.weight,
      }))
    : undefined;
  return {
    id: Number(r.id),
    vin: r.vin,
    year: r.year,
    make: r.make,
    model: r.model,
    trim: r.trim,
    mileage: r.mileage,
    titleStatus: r.title_status,
    source: r.source,
    lotId: r.lot_id,
    listingUrl: r.listing_url,
    location: { city: r.city, state: r.state, zip: r.zip },
    auctionEndsAt: new Date(Number(r.auction_end_ms)).toISOString(),
    currentBid: dollars(r.current_bid_cents),
    costs: {
      buyerPremium: dollars(r.buyer_premium_cents),
      docFee: dollars(r.doc_fee_cents),
      transport: dollars(r.transport_cents),
      recon: dollars(r.recon_cents),
      total: dollars(r.total_cost_cents),
      transportMiles: Number(r.transport_miles),
    },
    estimatedSalePrice: dollars(r.estimate_cents),
    valuation: {
      low: dollars(r.value_low_cents),
      high: dollars(r.value_high_cents),
      method: r.valuation_method as Opportunity['valuation']['method'],
      sampleSize: r.sample_size,
      ...(comparables ? { comparables } : {}),
    },
    vehicle: r.vehicle_json ? (JSON.parse(r.vehicle_json) as Opportunity['vehicle']) : null,
    profit: dollars(r.profit_cents),
    bidCeiling: r.bid_ceiling_cents == null ? null : dollars(Number(r.bid_ceiling_cents)),
    headroom: r.bid_ceiling_cents == null ? null : dollars(Number(r.bid_ceiling_cents) - Number(r.current_bid_cents)),
    roi: percent(r.roi_bp),
    margin: percent(r.margin_bp),
    confidence: r.confidence,
    riskScore: r.risk_score,
    score: r.score,
    status: r.status as Opportunity['status'],
    anomalies: JSON.parse(r.anomalies_json) as unknown[],
    assumptions: JSON.parse(r.assumptions_json) as string[],
    sample: toBool(r.is_sample),
    createdAt: new Date(Number(r.created_at)).toISOString(),
    updatedAt: new Date(Number(r.updated_at)).toISOString(),
  };
}
