import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { schemaProblems } from '../common/json-schema.js';
import { ArbitrageParamsSchema, defaultArbitrageParams, loadArbitrageParams } from './arbitrage.js';

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

  it('has a schema the JSON Schema meta-schema accepts (it is compiled without that check at run time)', () => {
    expect(schemaProblems(ArbitrageParamsSchema)).toEqual([]);
  });

  it('loads the shipped file with the documented defaults (config/arbitrage.json)', () => {
    const p = defaultArbitrageParams();
    expect(p.fees.sources.govdeals).toEqual({
      buyerPremium: { tiers: [{ upToCents: null, pct: 12.5 }], minimumCents: 0, capCents: null },
      docFeeCents: 7500,
    });
    expect(p.fees.sources.publicsurplus!.buyerPremium).toEqual({
      tiers: [{ upToCents: null, pct: 10 }],
      minimumCents: 100,
      capCents: null,
    });
    expect(p.transport.minimumCents).toBe(35000);
    expect(Object.keys(p.transport.stateCentroids)).toHaveLength(51);
    expect(p.title.multipliers.lemon).toBe(0.45);
    expect(defaultArbitrageParams()).toBe(p); // cached
  });

  it('names the offending field when a value has the wrong type', () => {
    const file = writeVariant('bad-type.json', (c) => {
      c.fees.sources.govdeals.buyerPremium.tiers[0].pct = '12.5';
    });
    expect(() => loadArbitrageParams(file)).toThrow(/\/fees\/sources\/govdeals\/buyerPremium\/tiers\/0\/pct/);
  });

  it('refuses a bad premium tier list, naming the tier and field', () => {
    const tiers = (name: string, list: unknown, extra: Record<string, unknown> = {}) =>
      writeVariant(name, (c) => {
        Object.assign(c.fees.sources.copart.buyerPremium, { tiers: list, ...extra });
      });
    const at = '/fees/sources/copart/buyerPremium';
    expect(() =>
      loadArbitrageParams(
        tiers('descending.json', [
          { upToCents: 500_000, pct: 10 },
          { upToCents: 100_000, pct: 8 },
          { upToCents: null, pct: 5 },
        ]),
      ),
    ).toThrow(`${at}/tiers/1/upToCents: tiers must ascend (100000 ≤ 500000)`);
    expect(() => loadArbitrageParams(tiers('bounded-last.json', [{ upToCents: 100_000, pct: 10 }]))).toThrow(
      `${at}/tiers/0/upToCents: the last tier must be null`,
    );
    expect(() =>
      loadArbitrageParams(
        tiers('open-middle.json', [
          { upToCents: null, pct: 10 },
          { upToCents: null, pct: 5 },
        ]),
      ),
    ).toThrow(`${at}/tiers/0/upToCents: only the last tier may be unbounded`);
    expect(() => loadArbitrageParams(tiers('empty.json', []))).toThrow(`${at}/tiers`);
    expect(() => loadArbitrageParams(tiers('over-100.json', [{ upToCents: null, pct: 120 }]))).toThrow(`${at}/tiers/0/pct`);
    expect(() =>
      loadArbitrageParams(tiers('min-over-cap.json', [{ upToCents: null, pct: 10 }], { minimumCents: 5000, capCents: 1000 })),
    ).toThrow(`${at}/minimumCents: must not exceed capCents (5000 > 1000)`);
    expect(() =>
      loadArbitrageParams(
        writeVariant('flat-pct.json', (c) => {
          c.fees.sources.iaa = { buyerPremiumPct: 8.5, docFeeCents: 9500 };
        }),
      ),
    ).toThrow(/\/fees\/sources\/iaa\/buyerPremium/);
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
