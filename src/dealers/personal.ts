// Personal numbers: an opportunity as one dealer sees it. Only the costs that depend on the dealer
// change (transport to the dealer's ZIP, the dealer's recon reserve); the estimate, premium, doc
// fee, confidence and risk are the listing's. Profit, ROI, margin, status, score and the bid
// ceiling follow from those with the same engine functions the import uses.
import type { ArbitrageParams } from '../config/index.js';
import type { Opportunity } from '../opportunities/index.js';
import {
  bidCeilingCents,
  classifyStatus,
  computeScore,
  computeTransport,
  configuredDealer,
  DEFAULT_TARGETS,
  type Location,
  premiumAtFor,
  ratioBp,
  type Targets,
  toOpportunity,
} from '../opportunities/index.js';
import type { OpportunityRow } from '../storage/index.js';
import type { Dealer } from './profile.js';

/** The opportunity row with what its listing adds: the premium stated on it and its coordinates. */
export type WorkspaceRow = OpportunityRow & { premium_bp: number | null; latitude: number | null; longitude: number | null };

/** Who the numbers are for: a dealer, or the configuration's default dealer. */
export interface Viewer {
  location: Location;
  targets: Targets;
  reconCents: number | null;
  maxMiles: number | null;
}

export function viewerOf(dealer: Dealer | null, params: ArbitrageParams): Viewer {
  if (!dealer) return { location: configuredDealer(params), targets: DEFAULT_TARGETS, reconCents: null, maxMiles: null };
  return {
    location: { zip: dealer.zip, state: dealer.state },
    targets: { targetProfitCents: dealer.targetProfitCents, targetRoiBp: dealer.targetRoiBp },
    reconCents: dealer.reconCents,
    maxMiles: dealer.maxMiles,
  };
}

/** One opportunity's personal figures, in cents and basis points; `opportunity` is the API shape. */
export interface Personal {
  opportunity: Opportunity;
  row: WorkspaceRow;
  rankTier: number;
  createdAt: number;
  endsAt: number;
  profitCents: number;
  roiBp: number;
  score: number;
  miles: number;
  headroomCents: number | null;
}

const dollars = (cents: number) => Math.round(cents) / 100;

export function personalize(r: WorkspaceRow, viewer: Viewer, params: ArbitrageParams, opts: { detail?: boolean } = {}): Personal {
  const base = toOpportunity(r, opts);
  const fleet = base.assumptions.includes('recon:fleet_surcharge');
  const transport = computeTransport({ zip: r.zip, state: r.state, latitude: r.latitude, longitude: r.longitude }, viewer.location, params);
  const reconCents = (viewer.reconCents ?? params.recon.baseCents) + (fleet ? params.recon.fleetSurchargeCents : 0);
  const bid = Number(r.current_bid_cents);
  const premium = Number(r.buyer_premium_cents);
  const doc = Number(r.doc_fee_cents);
  const estimate = Number(r.estimate_cents);
  const total = bid + premium + doc + transport.cents + reconCents;
  const profit = estimate - total;
  const metrics = { profitCents: profit, totalCostCents: total, confidence: r.confidence, riskScore: r.risk_score };
  const listing = { source: r.source, buyerPremiumPct: r.premium_bp === null ? null : r.premium_bp / 100, docFeeCents: doc };
  const ceiling = bidCeilingCents({
    estimateCents: estimate,
    premiumAt: premiumAtFor(listing, params),
    docFeeCents: doc,
    transportCents: transport.cents,
    reconCents,
    ...viewer.targets,
  });
  const roiBp = ratioBp(profit, total);
  const score = computeScore(metrics, params);
  const ended = r.status === 'ended';
  const opportunity: Opportunity = {
    ...base,
    costs: {
      ...base.costs,
      transport: dollars(transport.cents),
      recon: dollars(reconCents),
      total: dollars(total),
      transportMiles: transport.miles,
    },
    profit: dollars(profit),
    roi: ratioBp(profit, total) / 100,
    margin: ratioBp(profit, estimate) / 100,
    score,
    status: ended ? 'ended' : classifyStatus(metrics, params, r.rank_tier === 1),
    bidCeiling: ceiling === null ? null : dollars(ceiling),
    headroom: ceiling === null ? null : dollars(ceiling - bid),
    // Transport is the dealer's own: its fallbacks replace those of the route to the default location.
    assumptions: [...new Set([...base.assumptions.filter((a) => !a.startsWith('transport:')), ...transport.assumptions])],
  };
  return {
    opportunity,
    row: r,
    rankTier: Number(r.rank_tier),
    createdAt: Number(r.created_at),
    endsAt: Number(r.auction_end_ms),
    profitCents: profit,
    roiBp,
    score,
    miles: transport.miles,
    headroomCents: ceiling === null ? null : ceiling - bid,
  };
}
