// The flags capability's public module: the registry of flags and phases, the per-request flag
// service, the control plane that changes and propagates them (overrides, audit, phase), and the
// admin API's routes and request helpers. The cohort hook's own module (percentage.ts) is read
// directly by the canary analysis on the request path.
export { actorOf, changeReason, flagAdminRoutes } from './admin-routes.js';
export { FlagControl, type ChangeBy } from './flag-control.js';
export { FlagService, type FlagSnapshot } from './flag-service.js';
export { loadFlagsFromDb } from './load-flags.js';
export { auditEvent, readOverrideRows, validateOverrides, type AuditEntry, type FlagOverrides } from './overrides-store.js';
export type { Cohort, PercentageRollout, Stickiness } from './percentage.js';
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
