// The resilience capability's public module: circuit breakers (one registry per process), the one
// failure classification, guarded database reads and the /api/* rate limit. Other folders import
// this file only (npm run lint:deps counts any other import).
export { Breaker, BreakerRegistry, breakerSettings, CircuitOpenError, type BreakerOptions, type BreakerState } from './breakers.js';
export { classifyError, DependencyTimeoutError, isDependencyFailure, isRejectedInput, type ErrorClass } from './error-classification.js';
export { databaseReadProbe, guardedReads } from './guarded-reads.js';
export {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  MAX_RATE_LIMIT_PER_MINUTE,
  rateLimitHook,
  rateLimitPerMinute,
  trustedProxies,
} from './rate-limit.js';
