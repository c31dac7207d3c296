// The ended-auction sweep wakes when the next live auction ends, not on a fixed minute: until it
// marks an ended auction, cached pages and personal lists would still show it (with its status).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/common/clock.js';
import { EndedSweeper, nextAuctionEnd } from '../src/opportunities/ended-sweeper.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { makeListings, storeTestListings } from './support/listings.js';

const NOW = Date.UTC(2026, 11, 5, 12);

describe('the ended-auction sweep', () => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
  });
  afterAll(async () => {
    await tdb.drop();
  });

  const status = async (lot: string) =>
    (
      await tdb.db.kysely
        .selectFrom('opportunities')
        .innerJoin('listings', 'listings.id', 'opportunities.listing_id')
        .select(['opportunities.status', 'opportunities.is_active'])
        .where('listings.lot_id', '=', lot)
        .executeTakeFirstOrThrow()
    ).status;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('marks an auction ended as it ends, then sleeps until the next one', async () => {
    const [soon, later] = makeListings(2, 7, 'SW');
    await storeTestListings(
      tdb.db,
      [
        { ...soon!, auctionEndsAt: new Date(NOW + 5_000) },
        { ...later!, auctionEndsAt: new Date(NOW + 40_000) },
      ],
      NOW,
    );
    expect(await nextAuctionEnd(tdb.db, NOW)).toBe(NOW + 5_000);
    const clock = new ManualClock(NOW);
    const sweeper = new EndedSweeper(tdb.db, clock);
    sweeper.start();
    try {
      clock.advance(0);
      await settle();
      expect(await status(soon!.lotId)).not.toBe('ended');
      clock.advance(5_001);
      await settle();
      expect(await status(soon!.lotId)).toBe('ended');
      expect(await status(later!.lotId)).not.toBe('ended');
      clock.advance(35_000);
      await settle();
      expect(await status(later!.lotId)).toBe('ended');
      expect(await nextAuctionEnd(tdb.db, clock.now())).toBeNull();
    } finally {
      sweeper.stop();
    }
  });
});
