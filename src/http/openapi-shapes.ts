// Building blocks of the operation table (openapi-operations.ts and the files it merges): the
// response and form shapes every surface repeats, written once.

export interface OperationDoc {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  consumes?: string[];
  body?: unknown;
  querystring?: unknown;
  /** Statuses this operation answers, beyond the common ones its surface adds. */
  responses?: Record<string, unknown>;
}

/** Operations of one surface: each gets the surface's tag (none for `null`), then its own fields. */
export const operationsTagged =
  (tag: string | null) =>
  (operationId: string, extra: Partial<OperationDoc> = {}): OperationDoc => ({
    operationId,
    ...(tag === null ? {} : { tags: [tag] }),
    ...extra,
  });

export const error = { $ref: 'Error#' };
export const anyObject = (description: string) => ({ description, type: 'object', additionalProperties: true });
export const instant = { type: 'string', format: 'date-time' };
export const nullableInstant = { type: ['string', 'null'], format: 'date-time' };
/**
 * A closed object: every field present, nothing else (what a route answers, field by field).
 * `optional` names the fields an answer leaves out when it has nothing to say in them.
 */
export const closed = (description: string, properties: Record<string, unknown>, optional: readonly string[] = []) => ({
  description,
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
});
/** Either the shape or null. */
export const orNull = (schema: unknown) => ({ anyOf: [schema, { type: 'null' }] });
/** An object keyed by names the answer chooses (a source, a flag, a field path), every value one shape. */
export const mapOf = (description: string, value: unknown, keys?: string) => ({
  description,
  type: 'object',
  ...(keys ? { propertyNames: { pattern: keys } } : {}),
  additionalProperties: value,
});
/** `{ items: [item, …] }`, with any `extra` fields beside the items. */
export const listOf = (description: string, item: unknown, extra: Record<string, unknown> = {}) =>
  closed(description, { items: { type: 'array', items: item }, ...extra });
export const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
export const text = (description: string, type: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });
export const redirect = (description: string) => ({ description, type: 'null', headers: { Location: { type: 'string' } } });
export const form = (properties: Record<string, unknown>, required: string[]) => ({
  consumes: ['application/x-www-form-urlencoded'],
  body: {
    type: 'object',
    properties: { _csrf: { type: 'string', description: "the session's CSRF token" }, ...properties },
    required: ['_csrf', ...required],
  },
});
export const consoleForm = (
  operationId: string,
  summary: string,
  properties: Record<string, unknown>,
  required: string[],
): OperationDoc => ({
  operationId,
  tags: ['console'],
  summary,
  ...form(properties, required),
  responses: { 303: redirect('Done or refused; back to the console with the outcome in `result`') },
});
