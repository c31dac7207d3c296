// `dealerscope dealers create|list|revoke`: dealer profiles and their API keys.
import type { Command } from 'commander';
import { DealerStore, ProfileError } from '../dealers/index.js';
import { withDb } from './with-db.js';

const numberOrString = (v: string | undefined) => (v === undefined ? undefined : v);

// The profile fields' options (the API's names differ where the option is shorter).
const OPTION_OF_FIELD: Record<string, string> = {
  name: '--name',
  zip: '--zip',
  targetProfit: '--target-profit',
  targetRoi: '--target-roi',
  maxMiles: '--max-miles',
  reconPerVehicle: '--recon',
  email: '--email',
};

export function registerDealerCommands(program: Command): void {
  const dealers = program.command('dealers').description('dealer profiles: home ZIP, targets, recon; each has its own API key');

  dealers
    .command('create')
    .description('create a dealer; its API key is printed once and only its hash is stored')
    .requiredOption('--name <name>', 'dealer name')
    .requiredOption('--zip <zip>', 'home ZIP code (transport is charged to here)')
    .option('--target-profit <dollars>', 'target profit per vehicle in dollars (default 2000)')
    .option('--target-roi <percent>', 'target ROI in percent (default 15)')
    .option('--max-miles <miles>', 'hide opportunities farther away than this')
    .option('--recon <dollars>', "recon reserve per vehicle in dollars (default: the engine's)")
    .option('--email <address>', 'where e-mail alerts go')
    .option('--json', 'print { id, apiKey } as JSON')
    .action(
      async (opts: {
        name: string;
        zip: string;
        targetProfit?: string;
        targetRoi?: string;
        maxMiles?: string;
        recon?: string;
        email?: string;
        json?: boolean;
      }) => {
        const body: Record<string, unknown> = { name: opts.name, zip: opts.zip };
        for (const [field, v] of [
          ['targetProfit', opts.targetProfit],
          ['targetRoi', opts.targetRoi],
          ['maxMiles', opts.maxMiles],
          ['reconPerVehicle', opts.recon],
          ['email', opts.email],
        ] as const) {
          if (v !== undefined) body[field] = field === 'email' ? v : numberOrString(v);
        }
        const created = await withDb((db) => new DealerStore(db).create(body, Date.now())).catch((err) => {
          if (err instanceof ProfileError) {
            // Each field once, under the option that sets it, in words a command line can act on.
            const seen = new Set<string>();
            const lines = err.errors
              .filter((e) => !seen.has(e.field) && seen.add(e.field))
              .map(
                (e) =>
                  `${OPTION_OF_FIELD[e.field] ?? `--${e.field}`}: ${e.message.replace(/ \(or null for the default\)/, ' (leave the option out for the default)')}`,
              );
            throw new Error(lines.join('; '));
          }
          throw err;
        });
        if (opts.json) console.log(JSON.stringify({ id: created.id, apiKey: created.apiKey }));
        else {
          console.log(created.apiKey);
          process.stderr.write(
            `created dealer ${created.id} "${created.profile.name}" (${created.profile.zip}, ${created.profile.state}); store the key now, it cannot be shown again\n`,
          );
        }
      },
    );

  dealers
    .command('list')
    .description('list dealers (profiles; never their keys)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const all = await withDb((db) => new DealerStore(db).list());
      if (opts.json) return console.log(JSON.stringify(all));
      for (const d of all) {
        console.log(
          `${d.id}\t${d.revoked ? 'revoked' : 'active '}\t${d.zip} ${d.state}\t$${d.targetProfit} / ${d.targetRoi} %\t${d.maxMiles ?? '-'} mi\t${d.name}`,
        );
      }
      if (all.length === 0) process.stderr.write('no dealers\n');
    });

  dealers
    .command('revoke')
    .description('revoke a dealer and its API key; takes effect on the next request')
    .argument('<id>', 'dealer id as shown by `dealers list`')
    .action(async (id: string) => {
      if (!/^[1-9][0-9]{0,14}$/.test(id)) throw new Error(`dealer id must be a positive integer, got "${id}"`);
      const done = await withDb((db) => new DealerStore(db).revoke(Number(id), Date.now()));
      if (!done) throw new Error(`no active dealer with id ${id}`);
      console.log(`revoked dealer ${id}`);
    });
}
