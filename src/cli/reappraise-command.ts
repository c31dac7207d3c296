// `dealerscope reappraise`: re-prices stored listings with the current engine parameters and
// comps, e.g. after an edit of config/arbitrage.json. Imports re-price an unchanged listing only
// when it arrives again; this reaches every active listing now.
import type { Command } from 'commander';
import { loadArbitrageParams, loadConfig } from '../config/index.js';
import { loadFlagsFromDb } from '../flags/index.js';
import { reappraiseAll } from '../quality/index.js';
import { progressReporter } from './progress.js';
import { withDb } from './with-db.js';

export function registerReappraiseCommand(program: Command): void {
  program
    .command('reappraise')
    .description('re-appraise active listings with the current config/arbitrage.json and comps (progress on stderr)')
    .option('--stale', 'only listings priced by other parameters, comps or engine build than the current ones')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (opts: { stale?: boolean; json?: boolean }) => {
      const params = loadArbitrageParams();
      const res = await withDb(async (db) => {
        const flags = await loadFlagsFromDb(db, loadConfig());
        return reappraiseAll(db, {
          params,
          now: Date.now(),
          origin: 'reappraisal',
          staleOnly: opts.stale === true,
          anomalyDetection: flags.get('ENABLE_ANOMALY_DETECTION'),
          onProgress: progressReporter('reappraise'),
        });
      });
      if (opts.json) console.log(JSON.stringify(res));
      else console.log(`${res.reappraised} listing(s) re-appraised with engine ${res.engine}`);
    });
}
