// Writes an evaluation set for `npm run eval`. `node dist/eval/generate.js --help` lists the options.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FAULT_KINDS } from './faults.js';
import { DEFAULT_OPTIONS, generateSet, type GeneratorOptions } from './generator.js';

const HELP = `Usage: node dist/eval/generate.js [options]
Writes an evaluation set (JSON) for \`npm run eval\`.
  --out PATH               where to write (default eval/sets/primary.json)
  --seed N                 random seed (default ${DEFAULT_OPTIONS.seed})
  --clean N                clean listings (default ${DEFAULT_OPTIONS.clean})
  --faults-per-kind N      listings per injected fault kind (default ${DEFAULT_OPTIONS.faultsPerKind}; kinds: ${FAULT_KINDS.join(', ')})
  --sales-per-entry N      mean dealer sales per catalogue entry (default ${DEFAULT_OPTIONS.salesPerEntry})
  --sale-noise X           log-normal spread of a sale around its true price (default ${DEFAULT_OPTIONS.saleNoise})
  --junk-sales X           share of sales with a ×10 / ÷10 price typo (default ${DEFAULT_OPTIONS.junkSales})
  --police-factor X        police unit value ÷ civilian equivalent (default ${DEFAULT_OPTIONS.price.policeFactor})
  --elasticity-scale X     multiplies the mileage effect (default 1)
  --depreciation-scale X   multiplies the yearly depreciation (default 1)
  --dealer-zip ZIP         the dealer's ZIP code (default ${DEFAULT_OPTIONS.dealerZip})
  --reference ISO          the evaluation's "now" (default ${DEFAULT_OPTIONS.reference})`;

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string' },
      clean: { type: 'string' },
      'faults-per-kind': { type: 'string' },
      'sales-per-entry': { type: 'string' },
      'sale-noise': { type: 'string' },
      'junk-sales': { type: 'string' },
      'police-factor': { type: 'string' },
      'elasticity-scale': { type: 'string' },
      'depreciation-scale': { type: 'string' },
      'dealer-zip': { type: 'string' },
      reference: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const num = (name: string, v: string | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${JSON.stringify(v)}`);
    return n;
  };
  const d = DEFAULT_OPTIONS;
  const opts: GeneratorOptions = {
    seed: num('seed', values.seed, d.seed),
    reference: values.reference ?? d.reference,
    clean: num('clean', values.clean, d.clean),
    faultsPerKind: num('faults-per-kind', values['faults-per-kind'], d.faultsPerKind),
    salesPerEntry: num('sales-per-entry', values['sales-per-entry'], d.salesPerEntry),
    saleNoise: num('sale-noise', values['sale-noise'], d.saleNoise),
    junkSales: num('junk-sales', values['junk-sales'], d.junkSales),
    dealerZip: values['dealer-zip'] ?? d.dealerZip,
    price: {
      ...d.price,
      policeFactor: num('police-factor', values['police-factor'], d.price.policeFactor),
      elasticityScale: num('elasticity-scale', values['elasticity-scale'], 1),
      depreciationScale: num('depreciation-scale', values['depreciation-scale'], 1),
    },
  };
  if (!Number.isFinite(Date.parse(opts.reference)))
    throw new Error(`--reference must be an ISO-8601 time, got ${JSON.stringify(opts.reference)}`);
  const set = generateSet(opts);
  const out = values.out ?? 'eval/sets/primary.json';
  writeFileSync(out, `${JSON.stringify(set)}\n`);
  const faults = set.listings.filter((l) => l.label === 'fault').length;
  console.log(
    `${out}: ${set.listings.length} listings (${set.listings.length - faults} clean, ${faults} with faults), ${set.sales.length} dealer sales, ${set.market.length} market rows`,
  );
}

try {
  main();
} catch (err) {
  console.error(`generate: ${(err as Error).message}`);
  process.exit(1);
}
