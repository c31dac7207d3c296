// The build's half of prebuilt validators (json-schema.ts): a schema compiled by Ajv into
// standalone CommonJS code, which a process then loads instead of compiling the schema itself.
import { writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { OWN_SCHEMA_OPTIONS, schemaDigest } from './json-schema.js';

// The package's CommonJS module is the function, with the same function as its `default`.
const standaloneCode = standalone.default;

/** The module text: Ajv's standalone validator, carrying the digest of the schema it was built from. */
export function standaloneValidatorSource(schema: object): string {
  const ajv = new Ajv({ ...OWN_SCHEMA_OPTIONS, code: { source: true } });
  const validate = ajv.compile(schema);
  return `${standaloneCode(ajv, validate)}\nmodule.exports.digest = ${JSON.stringify(schemaDigest(schema))};\n`;
}

/** Writes the validator under a temporary name and renames it, so no process loads half a file. */
export function writeStandaloneValidator(schema: object, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, standaloneValidatorSource(schema));
  renameSync(tmp, path);
}
