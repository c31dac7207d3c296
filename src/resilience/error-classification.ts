// The one classification of failures that breakers, the HTTP error mapping, metrics and the SLO
// error rate all share:
//   client       the request was wrong: validation, a refused credential, a value the database
//                rejects (PostgreSQL SQLSTATE class 22 "data exception", e.g. `invalid input
//                syntax for type integer`). Answered 4xx; never a dependency failure, so input
//                can never open a breaker or count against the error-rate SLO.
//   unavailable  a dependency is not answering (connection refused or reset, shutdown, circuit
//                open, timeout). Answered 503 with Retry-After; counts against breakers and SLOs.
//   server       anything else: a bug. Answered 500; counts against breakers and SLOs.
import { ApiError } from '../common/errors.js';
import { isDatabaseUnavailable } from '../storage/index.js';

export type ErrorClass = 'client' | 'unavailable' | 'server';

/** A dependency call that took longer than its breaker's timeout. */
export class DependencyTimeoutError extends Error {
  constructor(
    readonly breaker: string,
    readonly timeoutMs: number,
  ) {
    super(`${breaker} did not answer within ${timeoutMs} ms`);
  }
}

// SQLite's counterparts of a data exception: a value of the wrong type or too large to store.
const SQLITE_REJECTED = new Set(['SQLITE_MISMATCH', 'SQLITE_TOOBIG']);

/** True when the database refused a value of the request (not the query, not the connection). */
export function isRejectedInput(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return /^22[0-9A-Z]{3}$/.test(code) || SQLITE_REJECTED.has(code);
}

export function classifyError(err: unknown): ErrorClass {
  if (err instanceof ApiError) return err.statusCode < 500 ? 'client' : err.statusCode === 503 ? 'unavailable' : 'server';
  if (isRejectedInput(err)) return 'client';
  if (isDatabaseUnavailable(err) || err instanceof DependencyTimeoutError) return 'unavailable';
  const e = err as { statusCode?: unknown; validation?: unknown } | null;
  if (e && typeof e === 'object') {
    if (e.validation) return 'client';
    // Framework errors (bad JSON, body too large, unsupported media type) carry their status.
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return 'client';
  }
  return 'server';
}

/** What a breaker counts against its dependency: everything but the client's own mistakes. */
export const isDependencyFailure = (err: unknown): boolean => classifyError(err) !== 'client';

export { isErrorStatus } from '../common/errors.js';
