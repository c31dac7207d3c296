// Percentage rollouts of boolean flags: a flag set to {"percentage": P} is on for the clients
// whose bucket — a stable hash of (flag name, stickiness key) mod 100 — is below P. Since the
// bucket never changes, raising P only adds clients to the treatment cohort; nobody flips back.
// The stickiness key is the dealer's API key when the request carries one, else the client IP
// (Fastify's request.ip, which believes X-Forwarded-For only from the TRUST_PROXY proxies).
import { AsyncLocalStorage } from 'node:async_hooks';

export type Stickiness = 'apiKey' | 'ip';
export type Cohort = 'treatment' | 'control';
export const COHORTS: readonly Cohort[] = ['treatment', 'control'];

export interface PercentageRollout {
  percentage: number;
  /** Absent means the default: the API key when there is one, else the IP. */
  stickiness?: Stickiness;
}

export function isPercentageRollout(v: unknown): v is PercentageRollout {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { percentage?: unknown }).percentage === 'number';
}

/** Checks a {"percentage": P, "stickiness": …} value; returns an error message when wrong. */
export function parsePercentageRollout(
  name: string,
  value: unknown,
): { ok: true; value: PercentageRollout } | { ok: false; error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: `${name} must be a boolean or {"percentage": 0–100}` };
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'percentage' && k !== 'stickiness');
  if (extra.length)
    return { ok: false, error: `${name}: unknown field ${extra.join(', ')} (a percentage rollout takes percentage and stickiness)` };
  const p = o.percentage;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 100)
    return { ok: false, error: `${name}: percentage must be an integer 0–100` };
  if (o.stickiness !== undefined && o.stickiness !== 'apiKey' && o.stickiness !== 'ip')
    return { ok: false, error: `${name}: stickiness must be "apiKey" or "ip"` };
  return { ok: true, value: o.stickiness === undefined ? { percentage: p } : { percentage: p, stickiness: o.stickiness } };
}

/**
 * Bucket 0–99 of a client for a flag: FNV-1a over the UTF-16 code units of "flag\0key", then
 * MurmurHash3's finaliser so neighbouring keys (10.0.0.1, 10.0.0.2) land far apart. Constant
 * work per request: the key length is bounded by the caller.
 */
export function cohortBucket(flag: string, key: string): number {
  let h = 0x811c9dc5;
  const text = `${flag}\u0000${key}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 100;
}

export interface StickinessKeys {
  apiKey: string | null;
  ip: string;
}

export function stickinessKey(rollout: PercentageRollout, keys: StickinessKeys): string {
  if (rollout.stickiness === 'ip' || keys.apiKey === null) return `ip:${keys.ip}`;
  return `key:${keys.apiKey}`;
}

export function cohortOf(flag: string, rollout: PercentageRollout, keys: StickinessKeys): Cohort {
  return cohortBucket(flag, stickinessKey(rollout, keys)) < rollout.percentage ? 'treatment' : 'control';
}

/** What one request knows for cohort assignment, and the cohorts it has been given so far. */
export interface CohortContext extends StickinessKeys {
  /** Flag → cohort, for every percentage flag this request read. */
  cohorts: Map<string, Cohort>;
}

const requestCohorts = new AsyncLocalStorage<CohortContext>();

export function runWithCohorts<T>(ctx: CohortContext, fn: () => T): T {
  return requestCohorts.run(ctx, fn);
}

/**
 * The value a percentage flag has for the current request. A request keeps the cohort it was
 * first given, so a change of P mid-request cannot make one request see both sides. Work outside
 * any request (ingestion, sweepers) gets the treatment only once the rollout is at 100 %.
 */
export function evaluatePercentage(flag: string, rollout: PercentageRollout): boolean {
  const ctx = requestCohorts.getStore();
  if (!ctx) return rollout.percentage >= 100;
  let cohort = ctx.cohorts.get(flag);
  if (cohort === undefined) {
    cohort = cohortOf(flag, rollout, ctx);
    ctx.cohorts.set(flag, cohort);
  }
  return cohort === 'treatment';
}
