// The evaluation harness (npm run eval): the committed set meets every target through the real
// pipeline, the generator is deterministic, and the scorer catches what it claims to catch.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { openDb, type Db } from '../src/storage/db.js';
import { migrate } from '../src/schema/migrate.js';
import { evaluateSet } from '../eval/evaluate.js';
import { FAULT_KINDS } from '../eval/faults.js';
import { DEFAULT_OPTIONS, generateSet } from '../eval/generator.js';
import { measure, meetsTargets, type Outcome } from '../eval/measure.js';
import type { EvalSet } from '../eval/set-format.js';

const dirs: string[] = [];
async function freshDb(): Promise<Db> {
  const dir = mkdtempSync(join(tmpdir(), 'ds-eval-'));
  dirs.push(dir);
  const db = openDb(`sqlite:${join(dir, 'eval.db')}`);
  await migrate(db);
  return db;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('evaluation harness', () => {
  it('the committed set meets every target through the real import pipeline', async () => {
    const set = JSON.parse(readFileSync(new URL('../eval/sets/primary.json', import.meta.url), 'utf8')) as EvalSet;
    const db = await freshDb();
    try {
      const { report } = await evaluateSet(set, db);
      expect(report.falsePositives.details).toEqual([]);
      expect(report.faults.missed).toEqual([]);
      expect(report.arithmetic.examples).toEqual([]);
      expect(report.transport.examples).toEqual([]);
      expect(report.valuation.cleanTitles.medianErrorPct).toBeLessThanOrEqual(5);
      expect(report.valuation.over150k.medianErrorPct).toBeLessThanOrEqual(8);
      expect(report.valuation.over150k.n).toBeGreaterThan(50);
      expect(report.valuation.lowestShare.share).toBeGreaterThanOrEqual(0.25);
      expect(meetsTargets(report)).toBe(true);
    } finally {
      await db.close();
    }
  }, 180_000);

  it('generates the same set from the same options, with every fault kind and many high-mileage police units', () => {
    const opts = { ...DEFAULT_OPTIONS, seed: 4242, clean: 120, faultsPerKind: 2, salesPerEntry: 10 };
    const a = generateSet(opts);
    expect(JSON.stringify(generateSet(opts))).toBe(JSON.stringify(a));
    expect(new Set(a.listings.filter((l) => l.label === 'fault').map((l) => l.kind))).toEqual(new Set(FAULT_KINDS));
    const police = a.listings.filter((l) => l.label === 'clean' && l.truth.cls === 'police');
    expect(police.filter((l) => (l.truth.mileage ?? 0) > 150_000).length).toBeGreaterThan(5);
    // The comparable sales are noisy samples: not one equals the truth model exactly.
    expect(a.sales.length).toBeGreaterThan(100);
  });

  it('the scorer catches a cent of arithmetic, a wrong distance, a missed fault and a false positive', () => {
    const params = defaultArbitrageParams();
    // A GovDeals lot at $1,000 in Sacramento, shipped to the dealer at 90012 (433 mi by ZIP great-circle × 1.2).
    const listing = (lot: string, label: 'clean' | 'fault'): EvalSet['listings'][number] => ({
      label,
      kind: label === 'fault' ? 'nominal_bid' : null,
      truth: { priceCents: 500_000, mileage: 80_000, cls: 'civilian', titleStatus: 'clean', latitude: 38.5804, longitude: -121.4922 },
      row: { source: 'GovDeals', lot_id: lot, current_bid: 1000, zip: '95814', state: 'CA' },
    });
    const set = {
      dealer: { zip: '90012', state: 'CA', latitude: 34.0614, longitude: -118.2385 },
      listings: [listing('A', 'clean'), listing('B', 'clean'), listing('C', 'fault')],
    } as EvalSet;
    // premium 12.5 % = 125.00, doc 75, transport 952.60, recon 650 → total 2,802.60; profit 2,197.40
    const right = {
      currentBid: 1000,
      costs: { buyerPremium: 125, docFee: 75, transport: 952.6, recon: 650, total: 2802.6, transportMiles: 433 },
      estimatedSalePrice: 5000,
      profit: 2197.4,
      roi: 78.41,
      margin: 43.95,
    };
    const good = measure(
      set,
      [
        { kind: 'published', opportunity: right as never, flags: [] },
        { kind: 'published', opportunity: right as never, flags: [] },
        { kind: 'rejected', reason: 'bid is nominal' },
      ] satisfies Outcome[],
      params,
    );
    expect(good.arithmetic.differences).toBe(0);
    expect(good.transport.within).toBe(2);
    expect(good.faults.recall).toBe(1);
    const bad = measure(
      set,
      [
        { kind: 'published', opportunity: { ...right, costs: { ...right.costs, total: 2802.61 } } as never, flags: [] },
        {
          kind: 'published',
          opportunity: { ...right, costs: { ...right.costs, transportMiles: 300 } } as never,
          flags: ['mileage_cohort_outlier'],
        },
        { kind: 'published', opportunity: right as never, flags: [] },
      ] satisfies Outcome[],
      params,
    );
    expect(bad.arithmetic.differences).toBe(1);
    expect(bad.transport.within).toBe(1);
    expect(bad.faults.missed).toEqual([{ lotId: 'C', kind: 'nominal_bid' }]);
    expect(bad.falsePositives.count).toBe(1);
    expect(meetsTargets(bad)).toBe(false);
  });
});
