// `dealerscope bench`: the benchmark of bench/run.ts (`npm run bench`) under the CLI. It drives
// load with wrk and h2load (system packages) and autocannon, a development dependency, so it runs from a development install (a
// checkout after `npm install`), not from the production image.
import type { Command } from 'commander';

/** What bench/run.ts exports (it checks itself against this type). */
export interface BenchModule {
  benchCommand(cmd: Command): Command;
  runBench(opts: unknown): Promise<string>;
}

// A specifier the compiler does not follow: src/ builds on its own (the image compiles only
// src/), while bench/ pulls in autocannon and the test fixtures.
const BENCH_MODULE = '../../bench/run.js';

export async function registerBenchCommand(program: Command): Promise<void> {
  let bench: BenchModule;
  try {
    bench = (await import(BENCH_MODULE)) as BenchModule;
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    program
      .command('bench')
      .description('benchmark the service (needs the development dependencies)')
      .allowUnknownOption()
      .action(() => {
        throw new Error(
          missing
            ? `dealerscope bench needs the development dependencies (autocannon): run it from a checkout after \`npm install\` (${(err as Error).message})`
            : (err as Error).message,
        );
      });
    return;
  }
  bench.benchCommand(program.command('bench')).action(async (opts: unknown) => {
    await bench.runBench(opts);
  });
}
