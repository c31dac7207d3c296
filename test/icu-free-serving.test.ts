// ICU's data stays out of a serving replica: the first Intl formatter or collator a process builds
// (toLocaleString and localeCompare included) maps 3–6 MB of it into memory for the life of the
// process. ESLint keeps our own code from it; this catches a dependency doing it for us, as
// Kysely's migrator did with localeCompare. The built service is started in a fresh Node with
// every ICU entry point wrapped to report its caller, on a database that already holds the sample
// (a replica's restart), and serves the dealer's pages and the API before it is asked what ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/common/paths.js';

const WATCH = `
const report = (what) => process.stderr.write('ICU ' + what + ' ' + (new Error().stack.split('\\n')[3] ?? '').trim() + '\\n');
for (const name of ['NumberFormat', 'DateTimeFormat', 'Collator', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'Segmenter', 'DisplayNames']) {
  const Original = Intl[name];
  if (!Original) continue;
  const Watched = function (...args) { report('Intl.' + name); return new Original(...args); };
  Watched.prototype = Original.prototype;
  Intl[name] = Watched;
}
const wrap = (proto, method, label) => {
  const original = proto[method];
  proto[method] = function (...args) { report(label); return original.apply(this, args); };
};
wrap(Number.prototype, 'toLocaleString', 'Number#toLocaleString');
wrap(Date.prototype, 'toLocaleString', 'Date#toLocaleString');
wrap(Date.prototype, 'toLocaleDateString', 'Date#toLocaleDateString');
wrap(Date.prototype, 'toLocaleTimeString', 'Date#toLocaleTimeString');
wrap(String.prototype, 'localeCompare', 'String#localeCompare');
wrap(Array.prototype, 'toLocaleString', 'Array#toLocaleString');
`;

const dir = mkdtempSync(join(tmpdir(), 'ds-icu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runService(watch: boolean, requests: string[]) {
  const service = pathToFileURL(join(packageRoot(), 'dist', 'src', 'http', 'service.js')).href;
  const config = pathToFileURL(join(packageRoot(), 'dist', 'src', 'config', 'env.js')).href;
  const script = `
    const { startService } = await import(${JSON.stringify(service)});
    const { loadConfig } = await import(${JSON.stringify(config)});
    const svc = await startService(loadConfig(process.env), { sample: true, logger: false });
    const statuses = [];
    for (const path of ${JSON.stringify(requests)}) {
      let p = path;
      if (p === '/o/first') {
        const list = await (await fetch(svc.url + '/api/opportunities?limit=1')).json();
        p = '/o/' + list.data[0].id;
      }
      const res = await fetch(svc.url + p, { headers: { 'accept-encoding': 'gzip' } });
      await res.arrayBuffer();
      statuses.push(p + ' ' + res.status);
    }
    await svc.close();
    process.stdout.write(JSON.stringify(statuses));
    process.exit(0);
  `;
  return spawnSync(
    process.execPath,
    [...(watch ? ['--import', `data:text/javascript,${encodeURIComponent(WATCH)}`] : []), '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 90_000,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SNAPSHOT_DIR: join(dir, 'snapshots'),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        DEALERSCOPE_ENV: 'development',
        ADMIN_TOKEN: 'icu-test-admin-token-0123456789',
        CURSOR_SECRET: 'icu-test-cursor-secret-0123456789',
      },
    },
  );
}

describe('a serving replica and ICU', () => {
  it('builds no Intl formatter or collator, directly or through a dependency, while it starts and serves', () => {
    // First start: the sample is imported (the import path may use ICU: it decodes VINs).
    const first = runService(false, ['/api/opportunities?limit=1']);
    expect(first.status, first.stderr).toBe(0);
    const paths = ['/', '/?page=2&sort=profit', '/o/first', '/api/opportunities?limit=50', '/api/opportunities?limit=5&sort=roi'];
    const run = runService(true, paths);
    expect(run.status, run.stderr).toBe(0);
    // The pages were served (and rendered their figures), so silence below means something.
    const statuses = JSON.parse(run.stdout) as string[];
    expect(statuses).toHaveLength(paths.length);
    for (const s of statuses) expect(s).toMatch(/ 200$/);
    const used = run.stderr.split('\n').filter((l) => l.startsWith('ICU '));
    expect(used).toEqual([]);
  }, 120_000);

  it('the watch itself reports a formatter when one is built', () => {
    const probe = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(WATCH)}`, '-e', "(1234).toLocaleString('en-US'); 'a'.localeCompare('b')"],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(probe.stderr).toMatch(/^ICU Number#toLocaleString/m);
    expect(probe.stderr).toMatch(/^ICU String#localeCompare/m);
  });
});
