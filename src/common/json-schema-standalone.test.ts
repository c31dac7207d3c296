// Prebuilt validators (json-schema.ts, json-schema-standalone.ts): the build's standalone code
// must judge every document exactly as the validator compiled at run time would, errors and all,
// and a process must fall back to compiling when the build's file is missing or of another schema.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { ArbitrageParamsSchema, defaultArbitrageParams } from '../config/index.js';
import { prebuiltValidators, writeValidators } from '../cli/write-validators.js';
import { compileOwnSchema, OWN_SCHEMA_OPTIONS, schemaDigest } from './json-schema.js';
import { packageRoot } from './paths.js';

const require = createRequire(import.meta.url);

/** Every document one change away from `doc`: each leaf given a wrong type, each key dropped, an unknown key added. */
function mutations(doc: unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (value: unknown, rebuild: (v: unknown) => unknown) => {
    if (Array.isArray(value)) {
      out.push(rebuild('not an array'), rebuild([...value, { unexpected: true }]));
      value.forEach((item, i) => walk(item, (v) => rebuild(value.map((x, j) => (j === i ? v : x)))));
    } else if (value !== null && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      out.push(rebuild({ ...obj, unexpectedKey: 1 }), rebuild(7));
      for (const key of Object.keys(obj)) {
        const { [key]: _dropped, ...rest } = obj;
        out.push(rebuild(rest));
        walk(obj[key], (v) => rebuild({ ...obj, [key]: v }));
      }
    } else {
      out.push(rebuild(typeof value === 'string' ? 12 : 'text'), rebuild(null), rebuild(-1e9));
    }
  };
  walk(doc, (v) => v);
  return out;
}

const verdict = (validate: ReturnType<typeof compileOwnSchema>, doc: unknown) => ({
  valid: validate(doc),
  errors: (validate.errors ?? []).map((e) => ({ path: e.instancePath, keyword: e.keyword, params: e.params, message: e.message })),
});

describe('prebuilt validators', () => {
  // Inside the package, as dist/ is: the standalone code requires Ajv's runtime helpers from node_modules.
  mkdirSync(join(packageRoot(), '.cache'), { recursive: true });
  const dir = mkdtempSync(join(packageRoot(), '.cache', 'validators-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('judge every document as the validator compiled at run time does, errors and all', async () => {
    const written = await writeValidators(dir);
    const all = await prebuiltValidators();
    expect(written).toHaveLength(all.length);
    const docs: Record<string, unknown[]> = {
      'arbitrage-params': [defaultArbitrageParams(), ...mutations(JSON.parse(JSON.stringify(defaultArbitrageParams())))],
      'sources-config': [
        { sources: [] },
        { sources: [{ name: 'a', kind: 'govdeals', url: 'https://www.govdeals.com', intervalSeconds: 3600 }] },
        ...mutations({
          sources: [
            {
              name: 'feed',
              kind: 'govdeals',
              url: 'https://example.org/feed',
              intervalSeconds: 600,
              enabled: true,
              currencyRates: { CAD: 0.73 },
              pageSize: 50,
              allowHosts: ['example.org'],
            },
          ],
        }),
      ],
    };
    for (const [i, { name, schema }] of all.entries()) {
      const built = require(written[i]!) as ReturnType<typeof compileOwnSchema> & { digest: string };
      expect(built.digest).toBe(schemaDigest(schema));
      const compiled = new Ajv(OWN_SCHEMA_OPTIONS).compile(schema);
      const corpus = docs[name];
      expect(corpus, `a corpus for ${name}`).toBeDefined();
      let invalid = 0;
      for (const doc of corpus!) {
        const expected = verdict(compiled, doc);
        if (!expected.valid) invalid++;
        expect(verdict(built, doc), `${name}: ${JSON.stringify(doc).slice(0, 200)}`).toEqual(expected);
      }
      // The corpus tells valid from invalid documents, or it proves nothing.
      expect(invalid).toBeGreaterThan(10);
      expect(invalid).toBeLessThan(corpus!.length);
    }
  });

  it('are what a process uses after the build, and only for the schema they were built from', () => {
    // npm test builds first, so dist/validators holds the build's files.
    const used = compileOwnSchema(ArbitrageParamsSchema, 'arbitrage-params') as unknown as { digest?: string };
    expect(used.digest).toBe(schemaDigest(ArbitrageParamsSchema));
    // Another schema under the same name (a stale build) is compiled here, and judged by itself.
    const changed = { ...ArbitrageParamsSchema, required: [...ArbitrageParamsSchema.required, 'brandNewSection'] };
    const stale = compileOwnSchema(changed, 'arbitrage-params');
    expect((stale as unknown as { digest?: string }).digest).toBeUndefined();
    expect(stale(defaultArbitrageParams())).toBe(false);
    expect(stale.errors?.[0]?.params).toEqual({ missingProperty: 'brandNewSection' });
    // No file by that name: compiled here.
    const none = compileOwnSchema({ type: 'integer' }, 'no-such-validator');
    expect(none(3)).toBe(true);
    expect(none('3')).toBe(false);
  });
});
