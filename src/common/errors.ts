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
