// Two imports storing the decodes of the same new VINs at once (a feed posted twice, two sources
// listing one fleet's vehicles) must both finish: PostgreSQL locks an upsert's rows in the order
// the statement gives them, so two statements with the same VINs in opposite orders deadlock.
// Stored for every VIN (as dealer sales are): a listing import stores one decode per pattern, and
// these VINs share one, so every VIN's row is what gives the two imports rows to meet on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAndStore } from '../src/quality/index.js';
import type { VinDecoder } from '../src/quality/vin-decoding/decoder.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeVin, openVinDecoder } from './support/vins.js';

const pgOk = await requirePostgres();

/** Check-digit-valid 2016 Camry VINs (one vPIC pattern, so decoding is quick), by serial. */
const camry = (serial: number): string => makeVin('4T1BF1FK', 'G', String(100_000 + serial));

describe.runIf(pgOk)('VIN decodes stored by two imports at once on PostgreSQL', () => {
  let t: TestDb;
  let decoder: VinDecoder;
  beforeAll(async () => {
    t = await createTestDb('postgres');
    decoder = await openVinDecoder();
  }, 120_000);
  afterAll(async () => {
    await decoder?.close();
    await t?.drop();
  });

  it('finish without deadlock whatever order each import met the VINs in', async () => {
    for (let round = 0; round < 15; round++) {
      const vins = Array.from({ length: 300 }, (_, i) => camry(round * 1000 + i));
      const [forward, backward] = await Promise.all([
        decodeAndStore(t.db, vins, { now: Date.UTC(2026, 11, 1), decoder, everyVin: true }),
        decodeAndStore(t.db, [...vins].reverse(), { now: Date.UTC(2026, 11, 1), decoder, everyVin: true }),
      ]);
      expect(forward.size).toBe(300);
      expect(backward.size).toBe(300);
    }
    const n = await t.db.kysely
      .selectFrom('vin_decodes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(4500);
  }, 60_000);
});
