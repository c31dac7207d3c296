#!/usr/bin/env node
// Run by `npm run build` once tsc has written dist/: packages published as hundreds of small ES
// modules are bundled into one file each under dist/vendor/, and dist/'s imports of them are
// pointed there. Node resolves, opens, reads and links every module file on its own: Kysely's 265
// files cost every process 220–280 ms of its start (every CLI command, every serving replica, and
// so every `dealerscope ingest`), its one-file bundle about 40 ms; cockatiel's 29 files 70–115 ms
// against 12. The bundle is the same code, built from the installed package's ES module build.
//
// prom-client is CommonJS, 33 files, and requires @opentelemetry/api's 45 at load: 75–90 ms,
// against about 15 for its bundle. A CommonJS package is bundled from an ES module entry that
// names each of its exports (an ES module bundle of CommonJS would carry only a default export).
//
// Every import in dist/ is rewritten, so a process holds one copy of each package (two would
// break `instanceof` between them). src/ is untouched: tests that import src/ use the package.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Packages bundled, by the name dist/ imports them with. */
export const VENDORED = ['kysely', 'cockatiel', 'prom-client'];
/** Those of them published as CommonJS. */
const COMMONJS = new Set(['prom-client']);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function* jsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFiles(path);
    else if (entry.name.endsWith('.js')) yield path;
  }
}

// tsc writes a static import or re-export as `from 'x'` and a dynamic one as `import('x')`;
// the build drops comments, so what matches is code.
const specifier = (name) => new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*)(['"])${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\2`, 'g');

/** An ES module entry re-exporting a CommonJS package: its default export and each of its names. */
function commonJsEntry(vendor, name) {
  const names = Object.keys(createRequire(join(root, 'package.json'))(name)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
  const path = join(vendor, `.entry-${name}.mjs`);
  writeFileSync(path, `import m from '${name}';\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`);
  return path;
}

export async function vendorBundles(dist = join(root, 'dist'), log = (m) => console.log(m)) {
  const vendor = join(dist, 'vendor');
  mkdirSync(vendor, { recursive: true });
  for (const name of VENDORED) {
    const outfile = join(vendor, `${name}.js`);
    const entry = COMMONJS.has(name) ? commonJsEntry(vendor, name) : null;
    await build({
      entryPoints: [entry ?? name],
      absWorkingDir: root,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // The package's ES module build: Node imports cockatiel's CommonJS main, whose named exports
      // a bundle of it would not carry.
      mainFields: ['module', 'main'],
      conditions: ['import'],
      outfile,
      legalComments: 'none',
      logLevel: 'warning',
      // CommonJS code in an ES module calls `require` for Node's own modules.
      banner: entry
        ? { js: "import { createRequire as __vendorRequire } from 'node:module'; const require = __vendorRequire(import.meta.url);" }
        : {},
    });
    if (entry) rmSync(entry);
    log(`vendor: ${name} bundled into ${relative(root, outfile)}`);
  }
  let rewritten = 0;
  for (const file of jsFiles(dist)) {
    if (file.startsWith(vendor + sep)) continue;
    const text = readFileSync(file, 'utf8');
    let next = text;
    for (const name of VENDORED) {
      let target = relative(dirname(file), join(vendor, `${name}.js`))
        .split(sep)
        .join('/');
      if (!target.startsWith('.')) target = `./${target}`;
      next = next.replace(specifier(name), (_m, lead, quote) => `${lead}${quote}${target}${quote}`);
    }
    if (next !== text) {
      writeFileSync(file, next);
      rewritten++;
    }
  }
  log(`vendor: ${rewritten} modules of dist/ import the bundles`);
  return rewritten;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--help')) {
    console.log(
      `usage: node scripts/vendor-bundles.mjs\nbundles ${VENDORED.join(', ')} into dist/vendor/ and points dist/'s imports at them (run by npm run build)`,
    );
  } else await vendorBundles();
}
