// The flags capability's public module: the registry of flags and phases, the per-request flag
// service, the control plane that changes and propagates them (overrides, audit, phase), and the
// admin API's routes and request helpers, and the cohort context the canary analysis runs each
// request in.
export { actorOf, changeReason, flagAdminRoutes } from './admin-routes.js';
export { controlPlaneId, createFlagControl, flagChannel, type FlagControlDeps } from './control-plane.js';
export { FlagControl, type ChangeBy } from './flag-control.js';
export { FlagService, type FlagSnapshot } from './flag-service.js';
export { loadFlagsFromDb } from './load-flags.js';
export { auditEvent, readOverrideRows, validateOverrides, type AuditEntry, type FlagOverrides } from './overrides-store.js';
export { COHORTS, runWithCohorts, type Cohort, type CohortContext, type PercentageRollout, type Stickiness } from './percentage.js';
export {
  coerceFlagValue,
  coerceOverrideValue,
  FLAG_NAMES,
  FLAGS,
  flagsFromPhase,
  flagsOfFeatures,
  isFlagName,
  MAX_PHASE,
  phaseValues,
  type FlagDefinition,
  type FlagName,
  type FlagValues,
  type OverrideValue,
} from './registry.js';
