// `dealerscope bench`: the benchmark of bench/run.ts (`npm run bench`) under the CLI. It drives
// load with wrk (a system package) and autocannon, a development dependency, so it runs from a development install (a
// checkout after `npm install`), not from the production image.
import type { Command } from 'commander';

export async function registerBenchCommand(program: Command): Promise<void> {
  let bench: typeof import('../../bench/run.js');
  try {
    bench = await import('../../bench/run.js');
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    program.command('bench')
      .description('benchmark the service (needs the development dependencies)')
      .allowUnknownOption()
      .action(() => {
        throw new Error(missing
          ? `dealerscope bench needs the development dependencies (autocannon): run it from a checkout after \`npm install\` (${(err as Error).message})`
          : (err as Error).message);
      });
    return;
  }
  bench.benchCommand(program.command('bench'))
    .action(async (opts: import('../../bench/run.js').BenchOptions) => {
      await bench.runBench(opts);
    });
}
