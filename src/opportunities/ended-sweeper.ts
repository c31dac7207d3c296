// Auctions end while their listings sit in the database: every minute the ones that ended are
// marked ended, which takes them out of every list (their detail stays readable) and bumps the data
// version so cached pages go too. Listings stored after their end are marked ended at once.
import type { FastifyInstance } from 'fastify';
import { PeriodicTask } from '../common/periodic-task.js';
import { notifyDataVersion } from './data-version.js';
import type { Clock } from '../common/clock.js';
import { dbBool, type Db } from '../storage/index.js';
import { bumpDataVersion } from './store.js';

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

export class EndedSweeper {
  private readonly loop: PeriodicTask;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    everyMs = ENDED_SWEEP_MS,
  ) {
    // A failed pass is left to the next one; readiness shows database trouble.
    this.loop = new PeriodicTask({
      clock,
      firstAfterMs: 0,
      everyMs,
      run: () => markEndedAuctions(this.db, this.clock.now()),
      onError: () => {},
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    void this.loop.stop();
  }
}

/** A serving replica's sweep, from the app's onReady to its onClose. */
export async function endedAuctionsPlugin(app: FastifyInstance, { db, clock }: { db: Db; clock: Clock }): Promise<void> {
  const sweeper = new EndedSweeper(db, clock);
  app.addHook('onReady', async () => sweeper.start());
  app.addHook('onClose', async () => sweeper.stop());
}
