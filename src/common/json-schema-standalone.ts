// The build's half of prebuilt validators (json-schema.ts): a schema compiled by Ajv into
// standalone CommonJS code, which a process then loads instead of compiling the schema itself.
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { writeFileAtomically } from './atomic-file.js';
import { OWN_SCHEMA_OPTIONS, schemaDigest } from './json-schema.js';

// The package's CommonJS module is the function, with the same function as its `default`.
const standaloneCode = standalone.default;

/** The module text: Ajv's standalone validator, carrying the digest of the schema it was built from. */
export function standaloneValidatorSource(schema: object): string {
  const ajv = new Ajv({ ...OWN_SCHEMA_OPTIONS, code: { source: true } });
  const validate = ajv.compile(schema);
  return `${standaloneCode(ajv, validate)}\nmodule.exports.digest = ${JSON.stringify(schemaDigest(schema))};\n`;
}

/** Writes the validator whole (atomic-file.ts), so no process loads half a file. */
export function writeStandaloneValidator(schema: object, path: string): void {
  writeFileAtomically(path, standaloneValidatorSource(schema));
}
