// Run by `npm run build` once tsc has written dist/: compiles each of our schemas that a process
// would otherwise compile at start into Ajv's standalone code under dist/validators/
// (common/json-schema.ts, `compileOwnSchema`). Not a command of the CLI: the build's own step.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prebuiltValidatorPath } from '../common/json-schema.js';
import { writeStandaloneValidator } from '../common/json-schema-standalone.js';
import { ARBITRAGE_PARAMS_VALIDATOR, ArbitrageParamsSchema } from '../config/index.js';
import { loadScraping } from '../ingest/index.js';

/** Every prebuilt validator: its name and the schema it validates. */
export async function prebuiltValidators(): Promise<Array<{ name: string; schema: object }>> {
  const scraping = await loadScraping();
  return [
    { name: ARBITRAGE_PARAMS_VALIDATOR, schema: ArbitrageParamsSchema },
    { name: scraping.SOURCES_CONFIG_VALIDATOR, schema: scraping.SOURCES_SCHEMA },
  ];
}

export async function writeValidators(root?: string): Promise<string[]> {
  const written: string[] = [];
  for (const { name, schema } of await prebuiltValidators()) {
    const path = prebuiltValidatorPath(name, root);
    writeStandaloneValidator(schema, path);
    written.push(path);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  if (process.argv.includes('--help')) {
    console.log(
      'usage: node dist/src/cli/write-validators.js\nwrites the prebuilt schema validators under dist/validators/ (run by npm run build)',
    );
  } else {
    for (const path of await writeValidators()) console.log(`validator written: ${path}`);
  }
}
