// Auctions end while their listings sit in the database: as each one ends (the sweep wakes at the
// next end, at least once a minute) the ones that ended are marked ended, which takes them out of
// every list (their detail stays readable) and bumps the data version so cached pages go too.
// Listings stored after their end are marked ended at once.
import type { FastifyInstance } from 'fastify';
import { PeriodicTask } from '../common/periodic-task.js';
import { notifyDataVersion } from './data-version.js';
import type { Clock } from '../common/clock.js';
import { dbBool, type Db } from '../storage/index.js';
import { bumpDataVersion } from './versions.js';

export const ENDED_SWEEP_MS = 60_000;

/** Marks the opportunities whose auction ended by `now`; answers how many. */
export async function markEndedAuctions(db: Db, now: number): Promise<number> {
  const res = await db.kysely
    .updateTable('opportunities')
    .set({ status: 'ended', is_active: dbBool(db, false), updated_at: now })
    .where('is_active', '=', dbBool(db, true))
    .where('auction_end_ms', '<=', now)
    .executeTakeFirst();
  const n = Number(res.numUpdatedRows ?? 0);
  if (n > 0) notifyDataVersion(db, await bumpDataVersion(db, now));
  return n;
}

/**
 * Withdraws the stored listings of lots their source now reports closed (sold, cancelled,
 * withdrawn): the listing and its opportunity leave every list now, as an ended auction's do,
 * rather than at the end time the lot was listed with. A lot listed again later is made active
 * again by its next import (the quality stage re-activates an unchanged inactive listing).
 * Answers how many opportunities were withdrawn.
 */
export async function withdrawClosedLots(db: Db, lots: ReadonlyArray<{ source: string; lotId: string }>, now: number): Promise<number> {
  const bySource = new Map<string, string[]>();
  for (const l of lots) {
    const ids = bySource.get(l.source);
    if (ids) ids.push(l.lotId);
    else bySource.set(l.source, [l.lotId]);
  }
  let withdrawn = 0;
  await db.kysely.transaction().execute(async (trx) => {
    for (const [source, ids] of bySource) {
      for (let i = 0; i < ids.length; i += 300) {
        const listed = await trx
          .updateTable('listings')
          .set({ is_active: dbBool(db, false), updated_at: now })
          .where('source', '=', source)
          .where('lot_id', 'in', ids.slice(i, i + 300))
          .returning('id')
          .execute();
        if (listed.length === 0) continue;
        const res = await trx
          .updateTable('opportunities')
          .set({ status: 'ended', is_active: dbBool(db, false), updated_at: now })
          .where(
            'listing_id',
            'in',
            listed.map((r) => r.id),
          )
          .where('is_active', '=', dbBool(db, true))
          .executeTakeFirst();
        withdrawn += Number(res.numUpdatedRows ?? 0);
      }
    }
  });
  if (withdrawn > 0) notifyDataVersion(db, await bumpDataVersion(db, now));
  return withdrawn;
}

/** The soonest end, after `now`, of a live auction; null when none is live. */
export async function nextAuctionEnd(db: Db, now: number): Promise<number | null> {
  const row = await db.kysely
    .selectFrom('opportunities')
    .select((eb) => eb.fn.min('auction_end_ms').as('next'))
    .where('is_active', '=', dbBool(db, true))
    .where('auction_end_ms', '>', now)
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

// The shortest pause between sweeps. Each sweep that ends something bumps the data version, which
// empties every cached page: when auctions end moments apart (a sale's lots close together), one
// sweep per 5 s takes them in batches rather than emptying the cache at every end.
const MIN_SWEEP_MS = 5_000;

export class EndedSweeper {
  private readonly loop: PeriodicTask;
  private pauseMs: number;

  /**
   * `afterEnded` runs after a sweep that ended something, with the sweep's time: capabilities
   * whose records name other live listings (the quality capability's duplicated VINs) settle them.
   */
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly everyMs = ENDED_SWEEP_MS,
    private readonly afterEnded?: (now: number) => Promise<unknown>,
  ) {
    this.pauseMs = everyMs;
    // A failed pass is left to the next one; readiness shows database trouble.
    this.loop = new PeriodicTask({
      clock,
      firstAfterMs: 0,
      // The next pass comes when the next live auction ends, not up to a minute later: until the
      // sweep marks it, an ended auction would stay in cached pages and personal lists.
      everyMs: () => this.pauseMs,
      run: () => this.sweep(),
      onError: () => {
        this.pauseMs = this.everyMs;
      },
    });
  }

  private async sweep(): Promise<void> {
    const now = this.clock.now();
    if ((await markEndedAuctions(this.db, now)) > 0) await this.afterEnded?.(now);
    const next = await nextAuctionEnd(this.db, now);
    this.pauseMs = next === null ? this.everyMs : Math.min(this.everyMs, Math.max(MIN_SWEEP_MS, next - this.clock.now() + 1));
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    void this.loop.stop();
  }
}

/** A serving replica's sweep, from the app's onReady to its onClose. */
export async function endedAuctionsPlugin(
  app: FastifyInstance,
  { db, clock, afterEnded }: { db: Db; clock: Clock; afterEnded?: (now: number) => Promise<unknown> },
): Promise<void> {
  const sweeper = new EndedSweeper(db, clock, ENDED_SWEEP_MS, afterEnded);
  app.addHook('onReady', async () => sweeper.start());
  app.addHook('onClose', async () => sweeper.stop());
}
