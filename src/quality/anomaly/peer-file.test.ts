// The on-disk peers answer exactly as the in-memory ones over the same features in the same order,
// and keep only what a whole-file import would compare with.
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { ANOMALY_SETTINGS, Peers, type PeerFeature } from './detector.js';
import { PeerFile } from './peer-file.js';

const files: PeerFile[] = [];
afterEach(() => {
  for (const f of files.splice(0)) f.close();
});
const open = () => {
  const f = new PeerFile();
  files.push(f);
  return f;
};

function features(n: number, seed: number, prefix: string): PeerFeature[] {
  const rnd = seededRandom(seed);
  const out: PeerFeature[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: `${prefix}\u0000${i}`,
      // Few distinct VINs, so many are held by several listings.
      vin: rnd() < 0.2 ? null : `VIN${Math.floor(rnd() * n * 0.6)}`,
      cohort: `family${Math.floor(rnd() * 4)}|${rnd() < 0.5 ? 'police' : 'civilian'}`,
      year: 2012 + Math.floor(rnd() * 8),
      logBid: Math.log1p(500 + rnd() * 20_000),
      mileage: rnd() < 0.15 ? null : Math.floor(rnd() * 200_000),
    });
  }
  return out;
}

describe('PeerFile', () => {
  it('answers as Peers does: population first, then the file by row', () => {
    const population = features(300, 1, 'stored');
    const file = features(900, 2, 'feed');
    const memory = new Peers([...population, ...file]);
    const disk = open();
    // Staged in batches of 100, file rows numbered from 1 as a CSV's are.
    for (let i = 0; i < file.length; i += 100)
      disk.stage(file.slice(i, i + 100).map((feature, k) => ({ row: i + k + 1, make: 'Ford', model: 'Explorer', feature })));
    disk.keepWinners(() => true);
    disk.addPopulation(population.slice(0, 150));
    disk.addPopulation(population.slice(100));
    expect(disk.size).toBe(1200);
    let shared = 0;
    const vins = [...new Set([...population, ...file].map((f) => f.vin).filter((v): v is string => v !== null))];
    // Asked all at once and in batch-sized slices, as detection asks: the same holders either way.
    const inMemory = memory.holdersOfEach(vins, 4);
    const onDisk = disk.holdersOfEach(vins, 4);
    for (const vin of vins) {
      const want = inMemory.get(vin) ?? [];
      if (want.length > 1) shared++;
      expect(onDisk.get(vin) ?? []).toEqual(want);
    }
    for (let i = 0; i < vins.length; i += 37) {
      const slice = vins.slice(i, i + 37);
      const part = disk.holdersOfEach(slice, 2);
      for (const vin of slice) expect(part.get(vin) ?? []).toEqual((inMemory.get(vin) ?? []).slice(0, 2));
    }
    expect(shared).toBeGreaterThan(100);
    let centred = 0;
    for (const cohort of new Set(file.map((f) => f.cohort)))
      for (let year = 2010; year <= 2021; year++) {
        const want = memory.cohortFor(cohort, year);
        if (want) centred++;
        expect(disk.cohortFor(cohort, year)).toEqual(want);
      }
    expect(centred).toBeGreaterThan(40);
  });

  it("keeps a lot's last staged row, and none when its winning row failed the contract", () => {
    const disk = open();
    const f = (key: string, vin: string): PeerFeature => ({ key, vin, cohort: 'c|x', year: 2018, logBid: 9, mileage: 1 });
    disk.stage([
      { row: 1, make: 'Ford', model: 'F-150', feature: f('a', 'V1') },
      { row: 2, make: 'Ford', model: 'F-150', feature: f('b', 'V2') },
    ]);
    // Row 3 re-lists lot a with another VIN; lot b's row 4 failed the contract, so it was not staged.
    disk.stage([{ row: 3, make: 'Chevrolet', model: 'Tahoe', feature: f('a', 'V3') }]);
    disk.keepWinners((row) => row === 3 || row === 4);
    expect(disk.size).toBe(1);
    const held = disk.holdersOfEach(['V1', 'V2', 'V3'], 4);
    expect(held.get('V1') ?? []).toEqual([]);
    expect(held.get('V2') ?? []).toEqual([]);
    expect(held.get('V3')).toEqual(['a']);
    expect(disk.families()).toEqual([{ make: 'Chevrolet', model: 'Tahoe' }]);
  });

  it('hands over the file’s VINs once each, in the order of their first row, a chunk at a time', () => {
    const disk = open();
    const rows = ['V5', 'V1', 'V5', null, 'V3', 'V1', 'V9'].map((vin, i) => ({
      row: i + 1,
      make: 'Ford',
      model: 'Explorer',
      feature: { key: `k${i}`, vin, cohort: 'c|x', year: 2018, logBid: 9, mileage: null },
    }));
    disk.stage(rows);
    disk.keepWinners(() => true);
    // A stored listing's VIN is not the file's.
    disk.addPopulation([{ key: 'stored', vin: 'V0', cohort: 'c|x', year: 2018, logBid: 9, mileage: null }]);
    expect([...disk.vinChunks(2)]).toEqual([
      ['V5', 'V1'],
      ['V3', 'V9'],
    ]);
    expect(disk.holdersOfEach(['V5'], 4).get('V5')).toEqual(['k0', 'k2']);
  });

  it('uses the settings it is given for cohort windows', () => {
    const peer = (i: number): PeerFeature => ({
      key: `k${i}`,
      vin: null,
      cohort: 'c|x',
      year: 2017 + (i % 3),
      logBid: 9 + i / 100,
      mileage: 10_000 + i,
    });
    const population = Array.from({ length: 12 }, (_, i) => peer(i));
    const wide = new PeerFile({ cohortYearWindows: [1] });
    files.push(wide);
    wide.addPopulation(population);
    expect(ANOMALY_SETTINGS.cohortYearWindows).not.toContain(1);
    expect(wide.cohortFor('c|x', 2018)).toEqual(new Peers(population, { cohortYearWindows: [1] }).cohortFor('c|x', 2018));
    expect(wide.cohortFor('c|x', 2018)).toMatchObject({ window: 1, bid: { n: 12 } });
    const standard = open();
    standard.addPopulation(population);
    expect(standard.cohortFor('c|x', 2018)).toMatchObject({ window: 2, bid: { n: 12 } });
  });
});
