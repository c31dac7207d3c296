import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext, runInThisContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/env.js';
import { startService } from './service.js';
import { catchTickRecord, keptTickShape, keepTickShape } from './tick-shape.js';

// V8's own view of hidden classes; both flags only widen what code compiled after this may do.
setFlagsFromString('--allow-natives-syntax');
setFlagsFromString('--expose-gc');
const fullCollection = runInNewContext('gc') as () => void;
const sameHiddenClass = runInThisContext('(a, b) => %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const dir = mkdtempSync(join(tmpdir(), 'ds-tick-shape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the kept tick record', () => {
  it('is not kept until the service starts, and starting the service keeps one', async () => {
    expect(keptTickShape()).toBeNull();
    const service = await startService(loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'ds.db')}`, PORT: '0', HOST: '127.0.0.1' }), {
      sample: false,
      logger: false,
    });
    try {
      expect(keptTickShape()).not.toBeNull();
    } finally {
      await service.close();
    }
  });

  it("is one of Node's tick records, kept once, whose hidden class new records still get after full collections", () => {
    const kept = keepTickShape();
    expect(keepTickShape()).toBe(kept);
    expect(Object.getOwnPropertySymbols(kept).map((s) => s.description)).toEqual(['async_id_symbol', 'trigger_async_id_symbol']);
    expect(Object.keys(kept)).toEqual(['callback', 'args']);
    for (let i = 0; i < 3; i++) fullCollection();
    expect(sameHiddenClass(kept, catchTickRecord())).toBe(true);
    expect(sameHiddenClass({}, catchTickRecord())).toBe(false);
  });
});
