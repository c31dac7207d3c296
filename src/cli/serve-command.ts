// `dealerscope serve`: the embedded service (API, console, dealer page, scheduler) in one process.
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { startService } from '../http/service.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP service on PORT (default 8080); imports the bundled sample data into an empty database')
    .option('--no-sample', 'do not import the bundled sample data into an empty database')
    .option('--port <port>', 'overrides PORT')
    .action(async (opts: { sample: boolean; port?: string }) => {
      const env = { ...process.env };
      if (opts.port !== undefined) env.PORT = opts.port;
      const config = loadConfig(env);
      const log = (m: string) => process.stderr.write(`${m}\n`);
      const svc = await startService(config, { sample: opts.sample, log });
      console.log(`DealerScope listening on ${svc.url} (${config.env}, ${svc.ctx.db.dialect})`);
      console.log(`  API:       ${svc.url}/api/opportunities`);
      console.log(`  OpenAPI:   ${svc.url}/openapi.json`);
      console.log(`  Health:    ${svc.url}/healthz  ${svc.url}/readyz`);
      console.log(`  Console:   ${svc.url}/console`);
      if (config.adminTokenGenerated) console.log(`  Admin token (development only, new each start): ${config.adminToken}`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log(`${signal}: draining in-flight requests…`);
        svc.close().then(
          () => process.exit(0),
          (err) => {
            log(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
