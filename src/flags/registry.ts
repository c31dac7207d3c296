// The feature-flag registry (README, Feature flags): every flag's type, built-in default, the phase that
// turns it on, and the values each rollout phase and environment profile gives it.

import { parsePercentageRollout, type PercentageRollout } from './percentage.js';

export type FlagValue = boolean | number | string;
/** What a runtime override may hold: a value, or a percentage rollout of a boolean flag. */
export type OverrideValue = FlagValue | PercentageRollout;

interface FlagBase {
  description: string;
  /** Rollout phase whose gate this flag belongs to (0 for the kill switch). */
  phase: 0 | 1 | 2 | 3 | 4;
  /** Part of v5: forced to its v4 value by EMERGENCY_ROLLBACK. */
  v5: boolean;
}
export type FlagDefinition =
  | (FlagBase & { type: 'boolean'; default: boolean; v4: boolean })
  | (FlagBase & { type: 'integer'; default: number; v4: number; min: number; max: number })
  | (FlagBase & { type: 'enum'; default: string; v4: string; values: readonly string[] });

export const FLAGS = {
  ENABLE_CURSOR_PAGINATION: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 1,
    v5: true,
    description: 'Keyset (cursor) pagination on /api/opportunities.',
  },
  LEGACY_PAGE_API: {
    type: 'boolean',
    default: true,
    v4: true,
    phase: 1,
    v5: true,
    description: 'The v4 page/limit API; off answers page requests with 410.',
  },
  ENABLE_PRODUCTION_CACHE: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 1,
    v5: true,
    description: 'Cache opportunity pages, totals and details.',
  },
  ENABLE_SINGLE_FLIGHT: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 1,
    v5: true,
    description: 'Concurrent cache misses for one key share one database query.',
  },
  ENABLE_TTL_JITTER: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 1,
    v5: true,
    description: 'Spread cache TTLs by ±15 % so keys do not expire together.',
  },
  ENABLE_CIRCUIT_BREAKERS: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 2,
    v5: true,
    description: 'Circuit breakers around sources, Redis, database reads and webhooks.',
  },
  ENABLE_RATE_LIMITING: { type: 'boolean', default: true, v4: false, phase: 2, v5: true, description: 'Per-IP rate limit on /api/*.' },
  API_RATE_LIMITING: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 2,
    v5: true,
    description: 'Per-API-key quotas for dealer API keys.',
  },
  ENABLE_INPUT_VALIDATION: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 2,
    v5: true,
    description: 'Strict validation of every request; off is the lenient v4 behaviour.',
  },
  ENABLE_CSRF_PROTECTION: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 2,
    v5: true,
    description: 'CSRF token and Origin check on cookie-authenticated state changes.',
  },
  ENABLE_SCHEMA_VALIDATION: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 3,
    v5: true,
    description: 'Listing data contract; non-compliant records are quarantined.',
  },
  ENABLE_PROVENANCE_TRACKING: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 3,
    v5: true,
    description: 'Record where every field came from.',
  },
  ENABLE_ANOMALY_DETECTION: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 3,
    v5: true,
    description: 'Flag anomalous listings (never hot).',
  },
  ENABLE_BROWSER_POOL: {
    type: 'boolean',
    default: true,
    v4: false,
    phase: 3,
    v5: true,
    description: 'Headless Chromium pool for sources that need rendering.',
  },
  MAX_BROWSER_CONTEXTS: {
    type: 'integer',
    default: 3,
    v4: 0,
    min: 0,
    max: 50,
    phase: 3,
    v5: true,
    description: 'Hard cap on concurrent browser contexts.',
  },
  CACHE_PROVIDER: {
    type: 'enum',
    default: 'memory',
    v4: 'memory',
    values: ['memory', 'redis'],
    phase: 4,
    v5: true,
    description: 'memory, or redis (memory tier in front of Redis).',
  },
  CACHE_MAX_SIZE: {
    type: 'integer',
    default: 1000,
    v4: 1000,
    min: 1,
    max: 1_000_000,
    phase: 4,
    v5: true,
    description: 'Maximum entries in the memory cache tier.',
  },
  EMERGENCY_ROLLBACK: {
    type: 'boolean',
    default: false,
    v4: false,
    phase: 0,
    v5: false,
    description: 'Kill switch: every v5 feature off, legacy pages on.',
  },
} as const satisfies Record<string, FlagDefinition>;

export type FlagName = keyof typeof FLAGS;
export type FlagValues = {
  [K in FlagName]: (typeof FLAGS)[K]['default'] extends boolean ? boolean : (typeof FLAGS)[K]['default'] extends number ? number : string;
};
export const FLAG_NAMES = Object.keys(FLAGS) as FlagName[];

export function isFlagName(name: string): name is FlagName {
  return Object.prototype.hasOwnProperty.call(FLAGS, name);
}

/**
 * The kill switch is break glass: it is on while any layer says true, so a lower layer's true
 * (FF_EMERGENCY_ROLLBACK=true on the deployment) can never be masked by a runtime false.
 */
export const BREAK_GLASS_FLAG = 'EMERGENCY_ROLLBACK' satisfies FlagName;

/**
 * Setting the kill switch to false at run time means "release my override", never "store false":
 * a stored false would outlive the incident and read as a decision nobody made.
 */
export function isBreakGlassRelease(name: FlagName, value: OverrideValue): boolean {
  return name === BREAK_GLASS_FLAG && value === false;
}

/** Flag values each rollout phase adds on top of the previous one; phase 0 is v4. */
const PHASE_STEPS: Record<1 | 2 | 3 | 4, Partial<Record<FlagName, FlagValue>>> = {
  1: {
    ENABLE_CURSOR_PAGINATION: true,
    ENABLE_PRODUCTION_CACHE: true,
    ENABLE_SINGLE_FLIGHT: true,
    ENABLE_TTL_JITTER: true,
    LEGACY_PAGE_API: true,
  },
  2: {
    ENABLE_CIRCUIT_BREAKERS: true,
    ENABLE_RATE_LIMITING: true,
    API_RATE_LIMITING: true,
    ENABLE_INPUT_VALIDATION: true,
    ENABLE_CSRF_PROTECTION: true,
  },
  3: {
    ENABLE_SCHEMA_VALIDATION: true,
    ENABLE_PROVENANCE_TRACKING: true,
    ENABLE_ANOMALY_DETECTION: true,
    ENABLE_BROWSER_POOL: true,
    MAX_BROWSER_CONTEXTS: 3,
  },
  4: { CACHE_PROVIDER: 'redis', ENABLE_BROWSER_POOL: true, MAX_BROWSER_CONTEXTS: 10, CACHE_MAX_SIZE: 5000 },
};

export const MAX_PHASE = 4;

/** v4 behaviour: what phase 0 and the kill switch mean for every v5 flag. */
export function v4Values(): Partial<Record<FlagName, FlagValue>> {
  const out: Partial<Record<FlagName, FlagValue>> = {};
  for (const name of FLAG_NAMES) {
    const def: FlagDefinition = FLAGS[name];
    if (def.v5) out[name] = def.v4;
  }
  return out;
}

/** The complete set of flag values a rollout phase stands for. */
export function phaseValues(phase: number): Partial<Record<FlagName, FlagValue>> {
  const out = v4Values();
  for (let p = 1; p <= Math.min(phase, MAX_PHASE); p++) Object.assign(out, PHASE_STEPS[p as 1 | 2 | 3 | 4]);
  return out;
}

/** Flags that phase `phase` or any later phase sets: what rolling that phase back touches. */
export function flagsFromPhase(phase: number): FlagName[] {
  const out = new Set<FlagName>();
  for (let p = Math.max(1, phase); p <= MAX_PHASE; p++) {
    for (const name of Object.keys(PHASE_STEPS[p as 1 | 2 | 3 | 4]) as FlagName[]) out.add(name);
  }
  return FLAG_NAMES.filter((n) => out.has(n));
}

/** Flags of the named script features (`browser_pool` → ENABLE_BROWSER_POOL, MAX_BROWSER_CONTEXTS). */
export function flagsOfFeatures(features: string[]): { flags: FlagName[]; unknown: string[] } {
  const flags = new Set<FlagName>();
  const unknown: string[] = [];
  for (const f of features) {
    // Own keys only: a name such as `__proto__` or `constructor` is an unknown feature, not the
    // object's prototype (the OpenAPI fuzz sent one and got a 500).
    const names = Object.hasOwn(FEATURE_FLAGS, f) ? FEATURE_FLAGS[f] : undefined;
    if (names) names.forEach((n) => flags.add(n));
    else unknown.push(f);
  }
  return { flags: FLAG_NAMES.filter((n) => flags.has(n)), unknown };
}

/** Environment profiles from the plan; production takes its values from the rollout phase. */
export const PROFILES: Record<'development' | 'staging' | 'production', Partial<Record<FlagName, FlagValue>>> = {
  development: { ENABLE_BROWSER_POOL: true, CACHE_PROVIDER: 'memory', MAX_BROWSER_CONTEXTS: 5, ENABLE_ANOMALY_DETECTION: true },
  staging: { ENABLE_BROWSER_POOL: true, CACHE_PROVIDER: 'redis', MAX_BROWSER_CONTEXTS: 7, CACHE_MAX_SIZE: 2000 },
  production: {},
};

/** Named features of the rollback scripts (`--features=browser_pool,redis_cache`). */
export const FEATURE_FLAGS: Record<string, FlagName[]> = {
  cursor_pagination: ['ENABLE_CURSOR_PAGINATION'],
  legacy_page_api: ['LEGACY_PAGE_API'],
  production_cache: ['ENABLE_PRODUCTION_CACHE'],
  single_flight: ['ENABLE_SINGLE_FLIGHT'],
  ttl_jitter: ['ENABLE_TTL_JITTER'],
  circuit_breakers: ['ENABLE_CIRCUIT_BREAKERS'],
  rate_limiting: ['ENABLE_RATE_LIMITING'],
  api_rate_limiting: ['API_RATE_LIMITING'],
  input_validation: ['ENABLE_INPUT_VALIDATION'],
  csrf_protection: ['ENABLE_CSRF_PROTECTION'],
  schema_validation: ['ENABLE_SCHEMA_VALIDATION'],
  provenance_tracking: ['ENABLE_PROVENANCE_TRACKING'],
  anomaly_detection: ['ENABLE_ANOMALY_DETECTION'],
  browser_pool: ['ENABLE_BROWSER_POOL', 'MAX_BROWSER_CONTEXTS'],
  redis_cache: ['CACHE_PROVIDER', 'CACHE_MAX_SIZE'],
};

/** Parses a value for a flag (from JSON or an env string); returns an error message when wrong. */
export function coerceFlagValue(
  name: FlagName,
  value: unknown,
  fromString = false,
): { ok: true; value: FlagValue } | { ok: false; error: string } {
  const def: FlagDefinition = FLAGS[name];
  if (def.type === 'boolean') {
    if (typeof value === 'boolean') return { ok: true, value };
    if (fromString && typeof value === 'string') {
      const v = value.trim().toLowerCase();
      if (['true', '1', 'on', 'yes'].includes(v)) return { ok: true, value: true };
      if (['false', '0', 'off', 'no'].includes(v)) return { ok: true, value: false };
    }
    return { ok: false, error: `${name} must be a boolean` };
  }
  if (def.type === 'integer') {
    const n = fromString && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n === 'number' && Number.isInteger(n) && n >= def.min && n <= def.max) return { ok: true, value: n };
    return { ok: false, error: `${name} must be an integer ${def.min}–${def.max}` };
  }
  if (typeof value === 'string' && def.values.includes(value.trim())) return { ok: true, value: value.trim() };
  return { ok: false, error: `${name} must be one of ${def.values.join(', ')}` };
}

/**
 * Parses a runtime override: any value coerceFlagValue takes, or {"percentage": P, "stickiness"?}
 * for a boolean flag. The kill switch takes no percentage: break glass is all or nothing.
 */
export function coerceOverrideValue(name: FlagName, value: unknown): { ok: true; value: OverrideValue } | { ok: false; error: string } {
  if (typeof value !== 'object' || value === null) return coerceFlagValue(name, value);
  if (FLAGS[name].type !== 'boolean') return { ok: false, error: `${name} is not a boolean flag, so it takes no percentage rollout` };
  if (name === BREAK_GLASS_FLAG) return { ok: false, error: `${name} is all or nothing; it takes no percentage rollout` };
  return parsePercentageRollout(name, value);
}
