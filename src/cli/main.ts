#!/usr/bin/env node
// The `dealerscope` command. Each capability registers its own subcommands. Only the module of
// the command being run is loaded, so a `serve` process does not carry the worker's scraping
// stack or the CLI-only tools in its resident memory; help and unknown commands load them all.
import { Command, CommanderError } from 'commander';

type Register = (program: Command) => void | Promise<void>;
const loaders: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./serve-command.js')).registerServeCommand,
  data: async () => (await import('./data-commands.js')).registerDataCommands,
  apikeys: async () => (await import('./apikeys-commands.js')).registerApiKeyCommands,
  flags: async () => (await import('./flags-commands.js')).registerFlagsCommands,
  rollout: async () => (await import('./rollout-commands.js')).registerRolloutCommands,
  quality: async () => (await import('./quality-commands.js')).registerQualityCommands,
  worker: async () => (await import('./worker-commands.js')).registerWorkerCommands,
  bench: async () => (await import('./bench-command.js')).registerBenchCommand,
  openapi: async () => (await import('./openapi-command.js')).registerOpenApiCommand,
  reappraise: async () => (await import('./reappraise-command.js')).registerReappraiseCommand,
  incidents: async () => (await import('./incidents-commands.js')).registerIncidentCommands,
  evidence: async () => (await import('./evidence-commands.js')).registerEvidenceCommands,
  dealers: async () => (await import('./dealers-commands.js')).registerDealerCommands,
};
/** Top-level command name → the module that registers it. */
const owner: Record<string, keyof typeof loaders> = {
  serve: 'serve',
  migrate: 'data',
  ingest: 'data',
  comps: 'data',
  apikeys: 'apikeys',
  flags: 'flags',
  rollout: 'rollout',
  quarantine: 'quality',
  anomalies: 'quality',
  quality: 'quality',
  worker: 'worker',
  sources: 'worker',
  bench: 'bench',
  openapi: 'openapi',
  reappraise: 'reappraise',
  incidents: 'incidents',
  provenance: 'evidence',
  evidence: 'evidence',
  dealers: 'dealers',
};
const FAILED = 1;

const program = new Command('dealerscope')
  .description('DealerScope: profitable vehicles at public and government auctions')
  .version('5.0.0')
  .showHelpAfterError()
  .exitOverride();

const named = owner[process.argv[2] ?? ''];
for (const load of named ? [loaders[named]] : Object.values(loaders)) await (await load!())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A command family with its own documented usage exit code throws a 'dealerscope.' error.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : err.code.startsWith('dealerscope.') ? err.exitCode : FAILED);
  process.stderr.write(`dealerscope: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(FAILED);
}
