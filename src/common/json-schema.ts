// Small builders for plain JSON Schema written `as const`, so that json-schema-to-ts can read the
// TypeScript type off the same object the serializer, Ajv and the OpenAPI document use; and the
// one way our own schemas are compiled into validators.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv as AjvClass, Options, ValidateFunction } from 'ajv';
import type { JSONSchema } from 'json-schema-to-ts';
import { packageRoot } from './paths.js';

export const Null = { type: 'null' } as const;

export const orNull = <const S extends JSONSchema>(schema: S) => ({ anyOf: [schema, Null] }) as const;

/** An object schema with every listed property required: the list is read off the properties, never kept beside them. */
export const allRequired = <const P extends Record<string, JSONSchema>>(properties: P) =>
  ({ type: 'object', properties, required: Object.keys(properties) as Array<keyof P & string> }) as const;

/**
 * How our own schemas are compiled. Before compiling a schema Ajv checks it against the JSON
 * Schema meta-schema, which it must compile first: 35–80 ms of every process's start on a 2-core
 * test machine (every CLI command loads the arbitrage config), for schemas that never change at
 * run time. Each such schema's test checks it against the meta-schema instead (`schemaProblems`).
 */
export const OWN_SCHEMA_OPTIONS: Readonly<Options> = { allErrors: true, validateSchema: false };

const require = createRequire(import.meta.url);

/** Ajv, loaded when a schema is compiled here: a process whose validators were all prebuilt never loads it. */
function ajv(options: Options): AjvClass {
  const { Ajv } = require('ajv') as { Ajv: new (o: Options) => AjvClass };
  return new Ajv(options);
}

/** What a prebuilt validator was built from: it is used only for the very same schema. */
export function schemaDigest(schema: object): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

/** Where the build writes the validator of the schema called `name` (src/cli/write-validators.ts). */
export function prebuiltValidatorPath(name: string, root = packageRoot()): string {
  return join(root, 'dist', 'validators', `${name}.cjs`);
}

/** The build's validator for `schema`, or null when there is none or it was built from another schema. */
function prebuiltValidator<T>(path: string, schema: object): ValidateFunction<T> | null {
  let built: ValidateFunction<T> & { digest?: unknown };
  try {
    built = require(path) as ValidateFunction<T> & { digest?: unknown };
  } catch {
    return null;
  }
  return typeof built === 'function' && built.digest === schemaDigest(schema) ? built : null;
}

/**
 * A validator for a schema this repository writes. Compiling the arbitrage parameters' schema cost
 * every process 90–110 ms at start on a 2-core machine, so a schema given a `prebuilt` name is
 * compiled by the build into standalone code (Ajv's own code generator, the same validator) and
 * loaded from there; without a build, or with one made from another version of the schema, it is
 * compiled here as before.
 */
export function compileOwnSchema<T>(schema: object, prebuilt?: string): ValidateFunction<T> {
  if (prebuilt !== undefined) {
    const built = prebuiltValidator<T>(prebuiltValidatorPath(prebuilt), schema);
    if (built) return built;
  }
  return ajv(OWN_SCHEMA_OPTIONS).compile<T>(schema);
}

/** What the meta-schema finds wrong with `schema`, or an empty list. For the schemas' tests. */
export function schemaProblems(schema: object): string[] {
  const checker = ajv({ allErrors: true });
  return checker.validateSchema(schema) ? [] : (checker.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? 'invalid'}`);
}
