// A VIN on two live listings is flagged on both, whichever import brought the second one, and the
// flag resolves when the other listing stops being live (its auction ended, its lot withdrawn).
// Before this, only the newer listing was flagged, the flag stayed open after the other auction had
// ended, and a vehicle relisted after an unsold auction was flagged against its own past lot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/common/clock.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { ingestListings } from '../src/ingest/import-service.js';
import { importFeedSource } from '../src/ingest/feed-import.js';
import { EndedSweeper } from '../src/opportunities/ended-sweeper.js';
import { withdrawClosedLots } from '../src/opportunities/index.js';
import { markFalsePositive } from '../src/quality/anomaly/verdicts.js';
import { refreshOpenDuplicateVins } from '../src/quality/duplicate-vins.js';
import type { ListingInput } from '../src/opportunities/types.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { makeListings } from './support/listings.js';
import { makeVin } from './support/vins.js';

const pgOk = await requirePostgres();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 1);
const params = defaultArbitrageParams();

/** A generated listing (a 2010 Chevrolet Impala) under `source`/`lotId` with `vin`, ending at `endsAt`. */
function lot(source: string, lotId: string, vin: string, endsAt: number): ListingInput {
  const base = makeListings(1, 3, 'DUP')[0]!;
  return { ...base, source, lotId, vin, auctionEndsAt: new Date(endsAt) };
}

/** A listing feed (CSV) of `listings`, as a streamed import reads it. */
function feedFile(listings: ListingInput[]): string {
  const header = 'source,lot_id,title,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status';
  const row = (l: ListingInput) =>
    [
      l.source,
      l.lotId,
      l.title,
      l.year,
      l.make,
      l.model,
      l.trim ?? '',
      l.vin ?? '',
      l.mileage ?? '',
      (l.currentBidCents / 100).toFixed(2),
      l.auctionEndsAt.toISOString(),
      l.city ?? '',
      l.state,
      l.zip ?? '',
      l.listingUrl ?? '',
      l.titleStatus,
    ].join(',');
  return `${[header, ...listings.map(row)].join('\n')}\n`;
}

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('duplicated VINs on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  beforeAll(async () => {
    if (run) tdb = await createTestDb(dialect);
  });
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  const ingest = (listing: ListingInput, now: number) =>
    ingestListings(tdb.db, { accepted: [{ row: 1, listing }], rejected: [] }, { origin: 'test', now, params });

  /** The lot's duplicate_vin flag as stored, and what its opportunity shows and ranks by. */
  async function state(source: string, lotId: string) {
    const flag = await tdb.db.kysely
      .selectFrom('quality_anomalies')
      .select(['id', 'status', 'detail'])
      .where('source', '=', source)
      .where('lot_id', '=', lotId)
      .where('kind', '=', 'duplicate_vin')
      .executeTakeFirst();
    const opp = await tdb.db.kysely
      .selectFrom('opportunities')
      .select(['rank_tier', 'anomalies_json'])
      .where('source', '=', source)
      .where('lot_id', '=', lotId)
      .executeTakeFirstOrThrow();
    const shown = (JSON.parse(opp.anomalies_json) as Array<{ kind: string; status: string }>).filter((a) => a.kind === 'duplicate_vin');
    return { flag: flag ? { id: Number(flag.id), status: flag.status, detail: flag.detail } : null, tier: Number(opp.rank_tier), shown };
  }

  it.runIf(run)('flags both listings across imports, and resolves when the other stops being live', async () => {
    const vin = makeVin('1G1WB5EK', 'A', '234567');
    await ingest(lot('govdeals', 'A1', vin, T0 + DAY), T0);
    expect((await state('govdeals', 'A1')).flag).toBeNull();

    // A second source lists the same vehicle: the stored lot is flagged too, and ranks as flagged.
    await ingest(lot('publicsurplus', 'B1', vin, T0 + 10 * DAY), T0 + HOUR);
    const a = await state('govdeals', 'A1');
    expect(a.flag).toMatchObject({ status: 'open', detail: `VIN ${vin} also on publicsurplus lot B1` });
    expect(a.tier).toBe(1);
    expect(a.shown).toEqual([expect.objectContaining({ status: 'open' })]);
    expect((await state('publicsurplus', 'B1')).flag).toMatchObject({ status: 'open', detail: `VIN ${vin} also on govdeals lot A1` });

    // A's auction ends: the sweep's follow-up resolves B's flag, and B ranks as unflagged again.
    const clock = new ManualClock(T0 + 2 * DAY);
    let followUps = 0;
    const sweeper = new EndedSweeper(tdb.db, clock, 60_000, async (now) => {
      followUps++;
      await refreshOpenDuplicateVins(tdb.db, { params, now });
    });
    sweeper.start();
    try {
      clock.advance(0);
      for (let i = 0; i < 100 && followUps === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      sweeper.stop();
    }
    expect(followUps).toBe(1);
    const b = await state('publicsurplus', 'B1');
    expect(b.flag?.status).toBe('resolved');
    expect(b.tier).toBe(0);
    expect(b.shown).toEqual([]);

    // Relisted after A ended unsold: C duplicates the live B only, never the ended A.
    await ingest(lot('gsa', 'C1', vin, T0 + 20 * DAY), T0 + 3 * DAY);
    expect((await state('gsa', 'C1')).flag).toMatchObject({ status: 'open', detail: `VIN ${vin} also on publicsurplus lot B1` });
    const b2 = await state('publicsurplus', 'B1');
    expect(b2.flag).toMatchObject({ status: 'open', detail: `VIN ${vin} also on gsa lot C1` });
    expect(b2.tier).toBe(1);

    // C is sent again with an impossible odometer: quarantined and unpublished, it holds no VIN.
    await ingest({ ...lot('gsa', 'C1', vin, T0 + 20 * DAY), mileage: -5 }, T0 + 3 * DAY + HOUR);
    expect((await state('publicsurplus', 'B1')).flag?.status).toBe('resolved');
    expect((await state('publicsurplus', 'B1')).tier).toBe(0);
    await ingest(lot('gsa', 'C1', vin, T0 + 20 * DAY), T0 + 3 * DAY + 2 * HOUR);
    expect((await state('publicsurplus', 'B1')).flag?.status).toBe('open');

    // An operator's verdict stands: C withdrawn, B's cleared flag stays cleared, not resolved over.
    await markFalsePositive(tdb.db, b2.flag!.id, { actor: 'test', now: T0 + 3 * DAY + HOUR, params, anomalyDetection: true });
    expect(await withdrawClosedLots(tdb.db, [{ source: 'gsa', lotId: 'C1' }], T0 + 4 * DAY)).toBe(1);
    await refreshOpenDuplicateVins(tdb.db, { params, now: T0 + 4 * DAY });
    expect((await state('publicsurplus', 'B1')).flag?.status).toBe('false_positive');
    expect((await state('publicsurplus', 'B1')).tier).toBe(0);
  });

  it.runIf(run)('clears the flag at once when the other listing comes back with its VIN corrected', async () => {
    const vin = makeVin('1G1WB5EK', 'A', '345678');
    await ingest(lot('govdeals', 'V1', vin, T0 + 10 * DAY), T0);
    await ingest(lot('gsa', 'V2', vin, T0 + 10 * DAY), T0 + HOUR);
    expect((await state('govdeals', 'V1')).flag?.status).toBe('open');
    await ingest(lot('gsa', 'V2', makeVin('1G1WB5EK', 'A', '345679'), T0 + 10 * DAY), T0 + 2 * HOUR);
    expect((await state('gsa', 'V2')).flag?.status).toBe('resolved');
    expect((await state('govdeals', 'V1')).flag?.status).toBe('resolved');
    expect((await state('govdeals', 'V1')).tier).toBe(0);
  });

  it.runIf(run)('flags the stored listing a streamed file duplicates, and clears it when the file ends that lot', async () => {
    const vin = makeVin('1G1WB5EK', 'A', '654321');
    await ingest(lot('govdeals', 'S1', vin, T0 + 10 * DAY), T0);
    const file = (endsAt: number) => feedFile([lot('publicsurplus', 'F1', vin, endsAt)]);

    await importFeedSource(tdb.db, { bytes: file(T0 + 12 * DAY) }, 'csv', { origin: 'feed.csv', now: T0 + HOUR, params });
    expect((await state('govdeals', 'S1')).flag).toMatchObject({ status: 'open', detail: `VIN ${vin} also on publicsurplus lot F1` });
    expect((await state('govdeals', 'S1')).tier).toBe(1);

    // The next file says F1's auction is over: it no longer holds the VIN, so S1 is clear again.
    await importFeedSource(tdb.db, { bytes: file(T0 + 2 * HOUR) }, 'csv', { origin: 'feed.csv', now: T0 + 3 * HOUR, params });
    expect((await state('govdeals', 'S1')).flag?.status).toBe('resolved');
    expect((await state('govdeals', 'S1')).tier).toBe(0);
  });

  // A streamed import settles the stored listings its batches duplicate once, after its last
  // batch (QualityStage's settleDuplicatesLater), and still settles them when a later batch fails.
  it.runIf(run)(
    'settles every stored listing a file of several batches duplicates, and those of the batches that landed when one fails',
    async () => {
      const stored = async (source: string, serial: number) => {
        const vins = [0, 1, 2, 3, 4, 5].map((i) => makeVin('1G1WB5EK', 'A', String(serial + i)));
        for (const [i, vin] of vins.entries()) await ingest(lot(source, `${source.toUpperCase()}${i + 1}`, vin, T0 + 10 * DAY), T0);
        return vins;
      };
      const file = (prefix: string, vins: string[]) => feedFile(vins.map((vin, i) => lot('gsa', `${prefix}${i + 1}`, vin, T0 + 12 * DAY)));

      const whole = await stored('govdeals', 770_000);
      await importFeedSource(tdb.db, { bytes: file('W', whole) }, 'csv', { origin: 'feed.csv', now: T0 + HOUR, params, batchRows: 2 });
      for (const [i, vin] of whole.entries()) {
        const s = await state('govdeals', `GOVDEALS${i + 1}`);
        expect(s.flag).toMatchObject({ status: 'open', detail: `VIN ${vin} also on gsa lot W${i + 1}` });
        expect(s.tier).toBe(1);
      }

      // With three batches in flight the second fails before it writes: the first and third store
      // their lots, and the listings those duplicate are flagged; the second batch's are not.
      const partial = await stored('publicsurplus', 780_000);
      let published = 0;
      const failing = importFeedSource(tdb.db, { bytes: file('X', partial) }, 'csv', {
        origin: 'feed.csv',
        now: T0 + HOUR,
        params,
        batchRows: 2,
        batchesInFlight: 3,
        onBatch: (_rows, pass) => {
          if (pass === 'publish' && ++published === 2) throw new Error('the second batch could not be priced');
        },
      });
      await expect(failing).rejects.toThrow(/second batch/);
      const landed = await tdb.db.kysely.selectFrom('listings').select('lot_id').where('lot_id', 'like', 'X%').orderBy('lot_id').execute();
      expect(landed.map((r) => r.lot_id)).toEqual(['X1', 'X2', 'X5', 'X6']);
      for (const [i, vin] of partial.entries()) {
        const s = await state('publicsurplus', `PUBLICSURPLUS${i + 1}`);
        const duplicated = i < 2 || i >= 4;
        if (duplicated) expect(s.flag).toMatchObject({ status: 'open', detail: `VIN ${vin} also on gsa lot X${i + 1}` });
        else expect(s.flag).toBeNull();
        expect(s.tier).toBe(duplicated ? 1 : 0);
      }
    },
  );
});
