// `dealerscope flags get|set|unset|audit`: works on the database directly (DATABASE_URL), so it
// works while the service is down. A change is announced on Redis when REDIS_URL is set; running
// replicas also poll the database, so either way every replica has it within a second.
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { intBetween } from './options.js';
import { loadConfig } from '../config/index.js';
import {
  createFlagControl,
  FLAG_NAMES,
  type FlagControl,
  type FlagName,
  FlagService,
  isFlagName,
  validateOverrides,
} from '../flags/index.js';
import { systemClock } from '../common/clock.js';
import { openDb, openRedis, type RedisHandle } from '../storage/index.js';
import { migrate } from '../schema/migrate.js';
import { EXIT } from './data-commands.js';

const actor = () => `cli:${userInfo().username}`;

async function withControl<T>(fn: (c: FlagControl) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = openDb(config.databaseUrl);
  let redis: RedisHandle | null = null;
  try {
    await migrate(db);
    if (config.redisUrl) {
      redis = await openRedis(config.redisUrl);
      const r = redis.client;
      // Publishing needs a live connection; without one the replicas' polling still applies the change.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1500);
        r.once('ready', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const flags = new FlagService({ env: config.env, rawEnv: config.raw });
    const control = await createFlagControl({ db, flags, env: config.env, redis, clock: systemClock });
    return await fn(control);
  } finally {
    await redis?.close();
    await db.close();
  }
}

/**
 * `NAME=VALUE`: the value is read as JSON (true, 5, "redis", {"percentage": 25}) and otherwise
 * taken as a string; `NAME=25%` is short for a percentage rollout {"percentage": 25}.
 */
export function parseAssignments(args: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw new Error(`expected NAME=VALUE, got "${a}"`);
    const raw = a.slice(i + 1).trim();
    let value: unknown = raw;
    const pct = /^(\d{1,3})%$/.exec(raw);
    if (pct) value = { percentage: Number(pct[1]) };
    else
      try {
        value = JSON.parse(raw);
      } catch {
        // a bare word such as redis
      }
    out[a.slice(0, i).trim()] = value;
  }
  return out;
}

function printView(control: FlagControl, names: readonly FlagName[], json: boolean): void {
  const view = control.publicView();
  if (json) {
    console.log(
      JSON.stringify(
        names.length === FLAG_NAMES.length ? view : { ...view, flags: Object.fromEntries(names.map((n) => [n, view.flags[n]])) },
      ),
    );
    return;
  }
  console.log(`phase: ${view.phase}${view.phaseRecorded ? '' : ' (none recorded: the built-in defaults)'}   emergency: ${view.emergency}`);
  const width = Math.max(...names.map((n) => n.length));
  const shown = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  for (const n of names) console.log(`${n.padEnd(width)}  ${shown(view.flags[n]).padEnd(8)}  (${view.sources[n]})`);
}

export function registerFlagsCommands(program: Command): void {
  const flags = program.command('flags').description('feature flags: read and change runtime overrides in the database (DATABASE_URL)');

  flags
    .command('get')
    .description(
      'show flag values as this environment resolves them (FF_ variables of this shell included), with the layer each comes from',
    )
    .argument('[names...]', 'flag names (default: all)')
    .option('--json', 'print JSON')
    .action(async (names: string[], opts: { json?: boolean }) => {
      const bad = names.filter((n) => !isFlagName(n));
      if (bad.length) throw new Error(`unknown flag ${bad.join(', ')}`);
      await withControl(async (c) => printView(c, names.length ? (names as FlagName[]) : FLAG_NAMES, opts.json === true));
    });

  flags
    .command('set')
    .description(
      'set runtime overrides, e.g. `flags set ENABLE_PRODUCTION_CACHE=false MAX_BROWSER_CONTEXTS=5`, or a percentage rollout `ENABLE_PRODUCTION_CACHE=25%` / `\'ENABLE_PRODUCTION_CACHE={"percentage":25,"stickiness":"ip"}\'` (all or nothing; audited)',
    )
    .argument('<assignments...>', 'NAME=VALUE pairs')
    .option('-r, --reason <text>', 'why (kept in the audit log)')
    .action(async (assignments: string[], opts: { reason?: string }) => {
      const checked = validateOverrides(parseAssignments(assignments));
      if (!checked.ok) {
        for (const e of checked.errors) process.stderr.write(`  ${e.field}: ${e.message}\n`);
        process.stderr.write('nothing was changed\n');
        process.exitCode = EXIT.failed;
        return;
      }
      await withControl(async (c) => {
        await c.setOverrides(checked.values, { actor: actor(), reason: opts.reason ?? null });
        printView(c, Object.keys(checked.values) as FlagName[], false);
      });
    });

  flags
    .command('unset')
    .description('clear runtime overrides; the flags fall back to the lower layers (audited)')
    .argument('<names...>', 'flag names')
    .option('-r, --reason <text>', 'why (kept in the audit log)')
    .action(async (names: string[], opts: { reason?: string }) => {
      const bad = names.filter((n) => !isFlagName(n));
      if (bad.length) throw new Error(`unknown flag ${bad.join(', ')}`);
      await withControl(async (c) => {
        const removed = await c.clearOverrides(names as FlagName[], { actor: actor(), reason: opts.reason ?? null });
        console.log(removed.length ? `cleared ${removed.join(', ')}` : 'no override to clear');
      });
    });

  flags
    .command('audit')
    .description('recent flag and rollout changes: time, token id or user, flag, old → new, reason')
    .option('-n, --limit <n>', 'how many (1–1000)', intBetween(1, 1000), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; json?: boolean }) => {
      await withControl(async (c) => {
        const entries = await c.audit(opts.limit);
        if (opts.json) console.log(JSON.stringify(entries));
        else
          for (const e of entries)
            console.log(
              `${e.at}  ${e.actor}  ${e.flag}: ${JSON.stringify(e.old)} → ${JSON.stringify(e.new)}${e.reason ? `  (${e.reason})` : ''}`,
            );
      });
    });
}
