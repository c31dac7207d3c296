import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultArbitrageParams, loadArbitrageParams } from './arbitrage.js';

const shipped = JSON.parse(readFileSync(new URL('../../config/arbitrage.json', import.meta.url), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'arb-config-'));

function writeVariant(name: string, mutate: (c: any) => void): string {
  const copy = structuredClone(shipped);
  mutate(copy);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(copy));
  return file;
}

describe('arbitrage config', () => {
  const savedEnv = process.env.DEALERSCOPE_ARBITRAGE_CONFIG;
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.DEALERSCOPE_ARBITRAGE_CONFIG;
    else process.env.DEALERSCOPE_ARBITRAGE_CONFIG = savedEnv;
  });

  it('loads the shipped file with the documented defaults (config/arbitrage.json)', () => {
    const p = defaultArbitrageParams();
    expect(p.fees.sources.govdeals).toEqual({ buyerPremiumPct: 12.5, docFeeCents: 7500 });
    expect(p.transport.minimumCents).toBe(35000);
    expect(Object.keys(p.transport.stateCentroids)).toHaveLength(51);
    expect(p.title.multipliers.lemon).toBe(0.45);
    expect(defaultArbitrageParams()).toBe(p); // cached
  });

  it('names the offending field when a value has the wrong type', () => {
    const file = writeVariant('bad-type.json', (c) => {
      c.fees.sources.govdeals.buyerPremiumPct = '12.5';
    });
    expect(() => loadArbitrageParams(file)).toThrow(/\/fees\/sources\/govdeals\/buyerPremiumPct/);
  });

  it('names a missing field and rejects a misspelt one', () => {
    const missing = writeVariant('missing.json', (c) => {
      delete c.transport.minimumCents;
    });
    expect(() => loadArbitrageParams(missing)).toThrow(/\/transport\/minimumCents/);
    const typo = writeVariant('typo.json', (c) => {
      c.recon.baseCent = 1;
    });
    expect(() => loadArbitrageParams(typo)).toThrow(/\/recon\/baseCent/);
  });

  it('names the path of a rule the schema cannot express', () => {
    const file = writeVariant('bands.json', (c) => {
      c.transport.bands[3].maxMiles = 5000;
    });
    expect(() => loadArbitrageParams(file)).toThrow(/\/transport\/bands\/3\/maxMiles/);
    const seg = writeVariant('segment.json', (c) => {
      c.depreciation.modelSegments.tahoe = 'yacht';
    });
    expect(() => loadArbitrageParams(seg)).toThrow(/\/depreciation\/modelSegments\/tahoe/);
  });

  it('honours DEALERSCOPE_ARBITRAGE_CONFIG and reports unreadable or non-JSON files', () => {
    const file = writeVariant('env.json', (c) => {
      c.recon.baseCents = 70000;
    });
    process.env.DEALERSCOPE_ARBITRAGE_CONFIG = file;
    expect(loadArbitrageParams().recon.baseCents).toBe(70000);
    expect(() => loadArbitrageParams(join(dir, 'nope.json'))).toThrow(/nope\.json/);
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{ not json');
    expect(() => loadArbitrageParams(garbage)).toThrow(/not JSON/);
  });
});
