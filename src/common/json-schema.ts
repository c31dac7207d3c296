// Small builders for plain JSON Schema written `as const`, so that json-schema-to-ts can read the
// TypeScript type off the same object the serializer, Ajv and the OpenAPI document use; and the
// one way our own schemas are compiled into validators.
import { Ajv, type ValidateFunction } from 'ajv';
import type { JSONSchema } from 'json-schema-to-ts';

export const Null = { type: 'null' } as const;

export const orNull = <const S extends JSONSchema>(schema: S) => ({ anyOf: [schema, Null] }) as const;

/** An object schema with every listed property required: the list is read off the properties, never kept beside them. */
export const allRequired = <const P extends Record<string, JSONSchema>>(properties: P) =>
  ({ type: 'object', properties, required: Object.keys(properties) as Array<keyof P & string> }) as const;

/**
 * A validator for a schema this repository writes. Before compiling a schema Ajv checks it against
 * the JSON Schema meta-schema, which it must compile first: 35–80 ms of every process's start on
 * a 2-core test machine (every CLI command loads the arbitrage config), for schemas that never
 * change at run time. Each such schema's test checks it against the meta-schema instead (`schemaProblems`).
 */
export function compileOwnSchema<T>(schema: object): ValidateFunction<T> {
  return new Ajv({ allErrors: true, validateSchema: false }).compile<T>(schema);
}

/** What the meta-schema finds wrong with `schema`, or an empty list. For the schemas' tests. */
export function schemaProblems(schema: object): string[] {
  const ajv = new Ajv({ allErrors: true });
  return ajv.validateSchema(schema) ? [] : (ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? 'invalid'}`);
}
