// `dealerscope openapi`: prints (or writes) the OpenAPI document the server serves at
// /openapi.json, without starting a server; `npm run lint:openapi` and client generation use it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { openApiDocument } from '../http/openapi-document.js';

export function registerOpenApiCommand(program: Command): void {
  program
    .command('openapi')
    .description('print the OpenAPI 3.1 document of this build (what GET /openapi.json serves), without starting a server')
    .option('--out <file>', 'write it to FILE instead of stdout')
    .action(async (opts: { out?: string }) => {
      const text = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
      if (!opts.out) {
        process.stdout.write(text);
        return;
      }
      mkdirSync(dirname(opts.out), { recursive: true });
      writeFileSync(opts.out, text);
      process.stderr.write(`OpenAPI document written to ${opts.out} (${text.length} bytes)\n`);
    });
}
