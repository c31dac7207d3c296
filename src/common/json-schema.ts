// Small builders for plain JSON Schema written `as const`, so that json-schema-to-ts can read the
// TypeScript type off the same object the serializer, Ajv and the OpenAPI document use.
import type { JSONSchema } from 'json-schema-to-ts';

export const Null = { type: 'null' } as const;

export const orNull = <const S extends JSONSchema>(schema: S) => ({ anyOf: [schema, Null] }) as const;

/** An object schema with every listed property required: the list is read off the properties, never kept beside them. */
export const allRequired = <const P extends Record<string, JSONSchema>>(properties: P) =>
  ({ type: 'object', properties, required: Object.keys(properties) as Array<keyof P & string> }) as const;
