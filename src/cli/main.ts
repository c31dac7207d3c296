#!/usr/bin/env node
// The `dealerscope` command. Each capability registers its own subcommands.
import { Command, CommanderError } from 'commander';
import { EXIT, registerDataCommands } from './data-commands.js';
import { registerServeCommand } from './serve-command.js';
import { registerApiKeyCommands } from './apikeys-commands.js';
import { registerFlagsCommands } from './flags-commands.js';
import { registerRolloutCommands } from './rollout-commands.js';
import { registerQualityCommands } from './quality-commands.js';
import { registerWorkerCommands } from './worker-commands.js';

const program = new Command('dealerscope')
  .description('DealerScope: profitable vehicles at public and government auctions')
  .version('5.0.0')
  .showHelpAfterError()
  .exitOverride();

registerServeCommand(program);
registerDataCommands(program);
registerApiKeyCommands(program);
registerFlagsCommands(program);
registerRolloutCommands(program);
registerQualityCommands(program);
registerWorkerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT.failed);
  process.stderr.write(`dealerscope: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT.failed);
}
