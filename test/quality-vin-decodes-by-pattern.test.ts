// Decodes stored one per pattern: a listing import stores a decode for each pattern the store has
// none of by this release (and keeps VINs' own rows current); every other VIN is answered from
// its pattern's decode, preferring the release asked for, else the latest decoded. Dealer sales
// keep a row per VIN, which their join to the decodes needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAndStore, loadVinDecodes } from '../src/quality/vin-decoding/decode-store.js';
import { patternKey, type VinDecoder } from '../src/quality/vin-decoding/decoder.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeVin, openVinDecoder } from './support/vins.js';

const pgOk = await requirePostgres();
const T1 = Date.UTC(2026, 11, 1);
const T2 = Date.UTC(2026, 11, 2);
/** 2016 Camry VINs: one pattern whatever the serial after its first digit. */
const camry = (serial: number): string => makeVin('4T1BF1FK', 'G', String(100_000 + serial));

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('VIN decodes by pattern on $dialect', ({ dialect, run }) => {
  let t: TestDb;
  let decoder: VinDecoder;
  beforeAll(async () => {
    if (!run) return;
    t = await createTestDb(dialect);
    decoder = await openVinDecoder();
  }, 120_000);
  afterAll(async () => {
    if (!run) return;
    await decoder.close();
    await t.drop();
  });
  const storedVins = async () => (await t.db.kysely.selectFrom('vin_decodes').select('vin').orderBy('vin').execute()).map((r) => r.vin);

  it.runIf(run)('stores one decode for a pattern new to the store, and answers every VIN of it from that', async () => {
    const vins = [camry(1), camry(2), camry(3)];
    const first = await decodeAndStore(t.db, vins, { now: T1, decoder });
    expect(first.size).toBe(3);
    expect(await storedVins()).toEqual([camry(1)]);
    // Another unit of the fleet, in a later import: answered from the stored pattern, nothing stored.
    const later = await decodeAndStore(t.db, [camry(4)], { now: T2, decoder });
    expect(await storedVins()).toEqual([camry(1)]);
    const answered = await loadVinDecodes(t.db, [camry(2), camry(4), camry(1).toLowerCase()]);
    for (const vin of [camry(2), camry(4), camry(1)]) {
      expect(answered.get(vin)).toEqual({ ...first.get(camry(1))!, vin });
      expect(later.get(camry(4)) ?? answered.get(camry(4))).toEqual({ ...first.get(camry(1))!, vin: camry(4) });
    }
  });

  it.runIf(run)('prefers the release asked for, else the latest decoded', async () => {
    // Another release's decode of the pattern, decoded later and saying something else.
    const mine = (await loadVinDecodes(t.db, [camry(1)])).get(camry(1))!;
    await t.db.kysely
      .insertInto('vin_decodes')
      .values({
        vin: camry(9),
        wmi: mine.wmi,
        manufacturer: mine.manufacturer,
        make: mine.make,
        wmi_makes_json: JSON.stringify(mine.wmiMakes),
        model: 'Other release',
        model_year: mine.modelYear,
        series: null,
        trim: null,
        body_class: null,
        drive_type: null,
        engine: null,
        fuel_type: null,
        gvwr: null,
        vehicle_type: null,
        complete: 0,
        decoder: 'another release',
        decoded_at: T2 + 1,
      })
      .execute();
    expect(patternKey(camry(9))).toBe(patternKey(camry(5)));
    expect((await loadVinDecodes(t.db, [camry(5)])).get(camry(5))!.model).toBe('Other release');
    expect((await loadVinDecodes(t.db, [camry(5)], decoder.release)).get(camry(5))!.model).toBe(mine.model);
    // A VIN's own row answers for it whatever its pattern's others say.
    expect((await loadVinDecodes(t.db, [camry(1)])).get(camry(1))!.model).toBe(mine.model);
    // The import asks for its release: this release's pattern decode stands, nothing is stored.
    await decodeAndStore(t.db, [camry(6)], { now: T2, decoder });
    expect(await storedVins()).toEqual([camry(1), camry(9)].sort());
  });

  it.runIf(run)('keeps a VIN’s own row current, and stores every VIN of dealer sales', async () => {
    // camry(9)'s own row is another release's: decoding it again replaces it with this release's.
    const again = await decodeAndStore(t.db, [camry(9)], { now: T2, decoder });
    expect(again.get(camry(9))!.decoder).toBe(decoder.release);
    const row = await t.db.kysely
      .selectFrom('vin_decodes')
      .select(['decoder', 'model'])
      .where('vin', '=', camry(9))
      .executeTakeFirstOrThrow();
    expect(row.decoder).toBe(decoder.release);
    // Sales are joined to their own VIN's row: one answered by the pattern still gets its own.
    await decodeAndStore(t.db, [camry(7), camry(8)], { now: T2, decoder, everyVin: true });
    expect(await storedVins()).toEqual([camry(1), camry(7), camry(8), camry(9)].sort());
  });
});
