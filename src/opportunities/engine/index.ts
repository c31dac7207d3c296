export { appraise, type AppraiseOptions } from './appraise.js';
export { computeFees, premiumAtFor, type Fees } from './fees.js';
export {
  computeTransport,
  configuredDealer,
  locate,
  transportMiles,
  transportCost,
  greatCircleMiles,
  type Location,
  type Transport,
} from './transport.js';
export { familyOf, makeSpellings, sameBrand, squeezeMake, vehicleClass, type Family, type VehicleClass } from './cohort.js';
export { computeRecon, isFleetUnit } from './recon.js';
export {
  appraiseValue,
  matchingComps,
  valueFromComps,
  valueFromModel,
  segmentFor,
  titleMultiplier,
  vehicleAge,
  familyComps,
  type CompsValue,
  type ValuationResult,
} from './valuation.js';
export { computeConfidence, type ConfidenceInput } from './confidence.js';
export { computeRisk, type Risk, type RiskInput, type RiskComponents } from './risk.js';
export { classifyStatus, computeScore, type StatusInput } from './status.js';
export { roundHalfAway, percentOf, ratioBp, clamp } from './money.js';
export {
  bidCeilingCents,
  landedCost,
  meetsTargets,
  targetLandedCost,
  DEFAULT_TARGET_PROFIT_CENTS,
  DEFAULT_TARGET_ROI_BP,
  DEFAULT_TARGETS,
  type CeilingInput,
  type Targets,
} from './ceiling.js';
