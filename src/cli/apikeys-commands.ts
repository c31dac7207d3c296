// `dealerscope apikeys issue|revoke|list`: dealer API keys for API_RATE_LIMITING quotas.
import type { Command } from 'commander';
import { DEFAULT_KEY_QUOTA_PER_MINUTE, issueApiKey, listApiKeys, revokeApiKey } from '../security/index.js';
import { withDb } from './with-db.js';

export function registerApiKeyCommands(program: Command): void {
  const keys = program.command('apikeys').description('dealer API keys (sent as X-API-Key; each has its own per-minute quota)');

  keys
    .command('issue')
    .description('issue a new key; it is printed once and only its hash is stored')
    .requiredOption('-n, --name <name>', 'who the key is for')
    .option('-q, --quota <perMinute>', 'requests per minute', String(DEFAULT_KEY_QUOTA_PER_MINUTE))
    .option('--json', 'print the key as JSON')
    .action(async (opts: { name: string; quota: string; json?: boolean }) => {
      const quota = Number(opts.quota);
      const issued = await withDb((db) => issueApiKey(db, opts.name, quota, Date.now()));
      if (opts.json) console.log(JSON.stringify(issued));
      else {
        console.log(issued.key);
        process.stderr.write(
          `issued ${issued.keyId} for "${issued.name}", ${issued.quotaPerMinute} requests/min; store the key now, it cannot be shown again\n`,
        );
      }
    });

  keys
    .command('revoke')
    .description('revoke a key by its id (the part after dsk_); takes effect on the next request')
    .argument('<keyId>', 'key id as shown by `apikeys list`')
    .action(async (keyId: string) => {
      const done = await withDb((db) => revokeApiKey(db, keyId, Date.now()));
      if (!done) throw new Error(`no active key with id ${keyId}`);
      console.log(`revoked ${keyId}`);
    });

  keys
    .command('list')
    .description('list keys (ids, names, quotas, state; never the keys themselves)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const all = await withDb((db) => listApiKeys(db));
      if (opts.json) return console.log(JSON.stringify(all));
      for (const k of all) {
        console.log(
          `${k.keyId}\t${k.revokedAt === null ? 'active ' : 'revoked'}\t${k.quotaPerMinute}/min\t${new Date(k.createdAt).toISOString()}\t${k.name}`,
        );
      }
      if (all.length === 0) process.stderr.write('no keys issued\n');
    });
}
