import type { ArbitrageParams } from '../../config/index.js';
import type { Appraisal, Comp, Costs, ListingInput } from '../types.js';
import { computeConfidence } from './confidence.js';
import { bidCeilingCents, DEFAULT_TARGETS, type Targets } from './ceiling.js';
import { computeFees, premiumAtFor } from './fees.js';
import { ratioBp } from './money.js';
import { computeRecon } from './recon.js';
import { computeRisk } from './risk.js';
import { classifyStatus, computeScore } from './status.js';
import { computeTransport, configuredDealer, type Location } from './transport.js';
import { appraiseValue, vehicleAge } from './valuation.js';

export interface AppraiseOptions {
  /** The clock: vehicle age and therefore value, confidence and risk depend on it. */
  now: Date;
  hasOpenAnomaly?: boolean;
  /** Where the vehicle is shipped to; the configured dealer by default (dealer profiles pass their own). */
  dealer?: Location;
  /** The dealer's target profit and ROI the bid ceiling is solved for; the profile defaults otherwise. */
  targets?: Targets;
}

/** Odometer readings below this on a vehicle 2+ model years old are not believed. */
export const IMPLAUSIBLE_ODOMETER_MILES = 100;

/**
 * The one arbitrage engine. Every cost is counted once, in `costs`; the estimate is the resale
 * value only (the old product also took transport off the sale price — never again).
 */

export function appraise(listing: ListingInput, comps: Comp[], params: ArbitrageParams, opts: AppraiseOptions): Appraisal {
  const fees = computeFees(listing, params);
  const transport = computeTransport(listing, opts.dealer ?? configuredDealer(params), params);
  const recon = computeRecon(listing, params);
  const costs: Costs = {
    bidCents: listing.currentBidCents,
    buyerPremiumCents: fees.buyerPremiumCents,
    docFeeCents: fees.docFeeCents,
    transportCents: transport.cents,
    reconCents: recon.cents,
    totalCents: 0,
  };
  costs.totalCents = costs.bidCents + costs.buyerPremiumCents + costs.docFeeCents + costs.transportCents + costs.reconCents;

  const age = vehicleAge(listing.year, opts.now);
  // An odometer at (almost) nothing on a vehicle two or more model years old is a blank field or a
  // typo, not a garage find: taken at face value it doubled the estimate. It is valued, scored and
  // risked as unknown mileage, and the appraisal says so.
  const odometerImplausible = listing.mileage !== null && listing.mileage < IMPLAUSIBLE_ODOMETER_MILES && age >= 2;
  const read = odometerImplausible ? { ...listing, mileage: null } : listing;
  const value = appraiseValue(read, comps, params, opts.now);
  const v = value.valuation;
  const profitCents = v.estimateCents - costs.totalCents;

  const confidence = computeConfidence(
    {
      compCount: value.compCount,
      disagreement: value.disagreement,
      age,
      mileage: read.mileage,
      hasVin: listing.vin != null && listing.vin.trim() !== '',
      titleStatus: listing.titleStatus,
    },
    params,
  );
  const risk = computeRisk(
    {
      age,
      mileage: read.mileage,
      estimateCents: v.estimateCents,
      lowCents: v.lowCents,
      highCents: v.highCents,
      compCount: value.compCount,
      titleStatus: listing.titleStatus,
    },
    params,
  );
  const metrics = { profitCents, totalCostCents: costs.totalCents, confidence, riskScore: risk.score };

  const assumptions = [
    ...fees.assumptions,
    ...transport.assumptions,
    ...(recon.fleet ? ['recon:fleet_surcharge'] : []),
    ...(odometerImplausible ? ['valuation:odometer_implausible'] : []),
    ...value.assumptions,
    ...risk.assumptions,
  ];
  const bidCeiling = bidCeilingCents({
    estimateCents: v.estimateCents,
    premiumAt: premiumAtFor(listing, params),
    docFeeCents: costs.docFeeCents,
    transportCents: costs.transportCents,
    reconCents: costs.reconCents,
    ...(opts.targets ?? DEFAULT_TARGETS),
  });
  return {
    costs,
    bidCeilingCents: bidCeiling,
    valuation: v,
    profitCents,
    roiBp: ratioBp(profitCents, costs.totalCents),
    marginBp: ratioBp(profitCents, v.estimateCents),
    confidence,
    riskScore: risk.score,
    score: computeScore(metrics, params),
    status: classifyStatus(metrics, params, opts.hasOpenAnomaly ?? false),
    assumptions: [...new Set(assumptions)],
    transportMiles: transport.miles,
  };
}
