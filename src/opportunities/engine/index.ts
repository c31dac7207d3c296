export { appraise, type AppraiseOptions } from './appraise.js';
export { computeFees, type Fees } from './fees.js';
export { computeTransport, transportMiles, transportCost, greatCircleMiles, type Transport } from './transport.js';
export { computeRecon, isFleetUnit } from './recon.js';
export {
  appraiseValue,
  matchingComps,
  valueFromComps,
  valueFromModel,
  segmentFor,
  titleMultiplier,
  vehicleAge,
  percentile,
  type CompsValue,
  type ValuationResult,
} from './valuation.js';
export { computeConfidence, type ConfidenceInput } from './confidence.js';
export { computeRisk, type Risk, type RiskInput, type RiskComponents } from './risk.js';
export { classifyStatus, computeScore, type StatusInput } from './status.js';
export { roundHalfAway, percentOf, ratioBp, clamp } from './money.js';
