// The fleet's request windows: every replica writes its own request totals into Redis in 10-second
// slots (one hash per slot, one field per replica, expiring after the longest window anyone reads),
// and the gates and triggers read the sum. A gate then holds for the fleet rather than for the
// replica asked, a restarted replica finds the windows where it left them, and a decision can say
// which replicas measured what share. Keys are bounded: one per slot of the retained hour.
import type { Redis } from 'ioredis';
import { RequestWindow, type SlotTotals } from './request-window.js';

export const SLOT_MS = 10_000;

export interface FleetSnapshot {
  /** The fleet's requests, as one window (slot resolution). */
  window: RequestWindow;
  /** Requests per replica over the snapshot, for shares in decision records. */
  perReplica: Map<string, Array<{ slot: number; requests: number }>>;
  at: number;
}

export interface FleetWindowOptions {
  redis: Redis;
  /** `dealerscope:rollout:win:<plane>:<env>` */
  prefix: string;
  replica: string;
  retainMs: number;
}

export class FleetWindow {
  private snapshot: FleetSnapshot | null = null;
  lastError: string | null = null;

  constructor(private readonly o: FleetWindowOptions) {}

  get replica(): string {
    return this.o.replica;
  }

  /**
   * Writes this replica's slots of the last `pushMs` (the current one included: a field is
   * overwritten with the slot's running totals) and reads every slot of the last `readMs`.
   * Returns false, keeping the previous snapshot, when Redis does not answer.
   */
  async sync(local: RequestWindow, now: number, readMs: number, pushMs: number): Promise<boolean> {
    try {
      await this.push(local, now, pushMs);
      const first = Math.floor((now - readMs) / SLOT_MS);
      const last = Math.floor(now / SLOT_MS);
      const read = this.o.redis.pipeline();
      for (let slot = first; slot <= last; slot++) read.hgetall(`${this.o.prefix}:${slot}`);
      const replies = (await read.exec()) ?? [];
      const window = new RequestWindow(this.o.retainMs);
      const perReplica = new Map<string, Array<{ slot: number; requests: number }>>();
      replies.forEach(([err, value], i) => {
        if (err || !value) return;
        const slot = first + i;
        for (const [replica, json] of Object.entries(value as Record<string, string>)) {
          const groups = JSON.parse(json) as Record<string, SlotTotals>;
          let requests = 0;
          // Stamped at the slot's last millisecond (now, for the slot in progress) so a window ending now includes it whole.
          for (const [group, totals] of Object.entries(groups)) {
            window.add(group, Math.min(slot * SLOT_MS + SLOT_MS - 1, now), totals);
            requests += totals.c;
          }
          const list = perReplica.get(replica) ?? [];
          list.push({ slot, requests });
          perReplica.set(replica, list);
        }
      });
      this.snapshot = { window, perReplica, at: now };
      this.lastError = null;
      return true;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  /** Writes this replica's slots of the last `pushMs` (running totals; the write is idempotent). */
  async push(local: RequestWindow, now: number, pushMs: number): Promise<void> {
    const ttlS = Math.ceil((this.o.retainMs + 2 * SLOT_MS) / 1000);
    const multi = this.o.redis.multi();
    for (const [slot, groups] of local.slots(SLOT_MS, now - pushMs)) {
      const key = `${this.o.prefix}:${slot}`;
      multi.hset(key, this.o.replica, JSON.stringify(groups)).expire(key, ttlS);
    }
    await multi.exec();
  }

  /** The last snapshot when it is no older than `maxAgeMs`. */
  current(now: number, maxAgeMs: number): FleetSnapshot | null {
    return this.snapshot && now - this.snapshot.at <= maxAgeMs ? this.snapshot : null;
  }
}

/** Each replica's requests and share over (now − windowMs, now]. */
export function replicaShares(s: FleetSnapshot, windowMs: number, now: number): Array<{ replica: string; requests: number; share: number }> {
  const first = Math.floor((now - windowMs) / SLOT_MS);
  const rows = [...s.perReplica].map(([replica, slots]) => ({ replica, requests: slots.filter((x) => x.slot >= first).reduce((a, x) => a + x.requests, 0) }))
    .filter((r) => r.requests > 0);
  const total = rows.reduce((a, r) => a + r.requests, 0);
  return rows.map((r) => ({ ...r, share: total ? Math.round((r.requests / total) * 1000) / 1000 : 0 })).sort((a, b) => b.requests - a.requests);
}

/**
 * Replicas that served requests in (now − lookbackMs, now] but none in the current or the previous
 * slot: stopped or cut off, their traffic now on the others. A replica idle by design would look
 * the same, so it needs `minRequests` in the lookback to count as having served.
 */
export function vanishedReplicas(s: FleetSnapshot, lookbackMs: number, now: number, minRequests = 10): Array<{ replica: string; lastSlotEndsAt: number }> {
  const first = Math.floor((now - lookbackMs) / SLOT_MS);
  const current = Math.floor(now / SLOT_MS);
  const out: Array<{ replica: string; lastSlotEndsAt: number }> = [];
  for (const [replica, slots] of s.perReplica) {
    const served = slots.filter((x) => x.requests > 0 && x.slot >= first);
    if (served.reduce((a, x) => a + x.requests, 0) < minRequests) continue;
    const last = Math.max(...served.map((x) => x.slot));
    if (last <= current - 2) out.push({ replica, lastSlotEndsAt: (last + 1) * SLOT_MS });
  }
  return out;
}
