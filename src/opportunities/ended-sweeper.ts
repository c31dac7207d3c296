// Auctions end while their listings sit in the database: every minute the ones that ended are
// marked ended, which takes them out of every list (their detail stays readable) and bumps the data
// version so cached pages go too. Listings stored after their end are marked ended at once.
import { notifyDataVersion } from './data-version.js';
import type { Clock } from '../common/clock.js';
import { dbBool, type Db } from '../storage/db.js';
import { bumpDataVersion } from './store.js';

export const ENDED_SWEEP_MS = 60_000;

/** Marks the opportunities whose auction ended by `now`; answers how many. */
export async function markEndedAuctions(db: Db, now: number): Promise<number> {
  const res = await db.kysely.updateTable('opportunities').set({ status: 'ended', is_active: dbBool(db, false), updated_at: now })
    .where('is_active', '=', dbBool(db, true)).where('auction_end_ms', '<=', now).executeTakeFirst();
  const n = Number(res.numUpdatedRows ?? 0);
  if (n > 0) notifyDataVersion(db, await bumpDataVersion(db, now));
  return n;
}

export class EndedSweeper {
  private timer: { cancel(): void } | null = null;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly everyMs = ENDED_SWEEP_MS) {}

  start(): void {
    const tick = () => {
      markEndedAuctions(this.db, this.clock.now()).catch(() => { /* the next pass retries; readiness shows database trouble */ }).finally(() => {
        if (this.timer) this.timer = this.clock.setTimeout(tick, this.everyMs);
      });
    };
    this.timer = this.clock.setTimeout(tick, 0);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
