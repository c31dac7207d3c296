// The build bundles packages published as hundreds of small modules (scripts/vendor-bundles.mjs)
// and points dist/ at the bundles. A bundle must be the installed package, whole, and dist/ must
// import nothing of those packages by name, or a process would hold two copies of one package.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/common/paths.js';

const dist = join(packageRoot(), 'dist');
const { VENDORED } = (await import(pathToFileURL(join(packageRoot(), 'scripts', 'vendor-bundles.mjs')).href)) as { VENDORED: string[] };

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

describe('vendored bundles', () => {
  it('export exactly what the installed package exports', async () => {
    expect(VENDORED).toEqual(expect.arrayContaining(['kysely', 'cockatiel', 'prom-client']));
    for (const name of VENDORED) {
      const bundle = (await import(pathToFileURL(join(dist, 'vendor', `${name}.js`)).href)) as Record<string, unknown>;
      const pkg = (await import(name)) as Record<string, unknown>;
      const names = (m: Record<string, unknown>) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule');
      // A CommonJS package's names are its module.exports' keys (Node's import detects only some).
      const commonJs = pkg.default !== null && typeof pkg.default === 'object' ? (pkg.default as Record<string, unknown>) : null;
      const expected = [...new Set([...names(pkg), ...(commonJs ? names(commonJs) : [])])].sort();
      expect(names(bundle).sort(), name).toEqual(expected);
      expect(expected.length, name).toBeGreaterThan(10);
      // dist/ imports prom-client's default export: the same object as the package's.
      if (name === 'prom-client') expect(names(bundle.default as Record<string, unknown>).sort()).toEqual(expected);
    }
  });

  it('are what dist/ imports: no module of the build names a vendored package', () => {
    const files = jsFiles(dist).filter((f) => !f.startsWith(join(dist, 'vendor')));
    expect(files.length).toBeGreaterThan(100);
    const byName = files.filter((f) => {
      const text = readFileSync(f, 'utf8');
      return VENDORED.some((name) => new RegExp(`(from\\s*|import\\s*\\(\\s*)['"]${name}['"]`).test(text));
    });
    expect(byName).toEqual([]);
    // And the build does use them: the storage layer's query builder comes from the bundle.
    expect(readFileSync(join(dist, 'src', 'storage', 'db.js'), 'utf8')).toContain("'../../vendor/kysely.js'");
  });
});
