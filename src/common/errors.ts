// The one error type routes throw; http/errors.ts turns it into the contract's error shape.
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Whether a response status counts as an error in metrics windows and SLOs (5xx only). */
export const isErrorStatus = (statusCode: number): boolean => statusCode >= 500;

/**
 * Strict validation of a single resource's query string (ENABLE_INPUT_VALIDATION): each known
 * parameter at most once and nothing else, a 400 naming every offender, as the list route does.
 */
export function checkQueryParams(raw: Record<string, unknown>, known: readonly string[]): void {
  const errors: Array<{ field: string; message: string }> = [];
  for (const [field, value] of Object.entries(raw)) {
    if (!known.includes(field)) errors.push({ field, message: 'unknown query parameter' });
    else if (Array.isArray(value)) errors.push({ field, message: 'must be given once' });
  }
  if (errors.length)
    throw new ApiError(400, 'invalid_request', `Invalid query parameter(s): ${errors.map((e) => e.field).join(', ')}`, errors);
}
