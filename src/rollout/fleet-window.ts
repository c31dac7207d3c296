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
  /** When each replica last wrote to the fleet's copy (every push and every evaluation). */
  lastSeen: Map<string, number>;
  /** When each replica first wrote to it (a replacement is new; a vanished replica is not). */
  firstSeen: Map<string, number>;
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
      read.hgetall(`${this.o.prefix}:seen`).hgetall(`${this.o.prefix}:first`);
      const replies = (await read.exec()) ?? [];
      const times = ([err, raw]: [Error | null, unknown] = [null, {}]) =>
        new Map<string, number>(err ? [] : Object.entries((raw ?? {}) as Record<string, string>).map(([k, v]) => [k, Number(v)]));
      const firstSeen = times(replies.pop());
      const lastSeen = times(replies.pop());
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
      this.snapshot = { window, perReplica, lastSeen, firstSeen, at: now };
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
    // A heartbeat: a replica that stops writing has stopped (or lost Redis), whatever its traffic.
    multi.hset(`${this.o.prefix}:seen`, this.o.replica, String(now)).expire(`${this.o.prefix}:seen`, ttlS);
    multi.hsetnx(`${this.o.prefix}:first`, this.o.replica, String(now)).expire(`${this.o.prefix}:first`, ttlS);
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
export function replicaShares(
  s: FleetSnapshot,
  windowMs: number,
  now: number,
): Array<{ replica: string; requests: number; share: number }> {
  const first = Math.floor((now - windowMs) / SLOT_MS);
  const rows = [...s.perReplica]
    .map(([replica, slots]) => ({ replica, requests: slots.filter((x) => x.slot >= first).reduce((a, x) => a + x.requests, 0) }))
    .filter((r) => r.requests > 0);
  const total = rows.reduce((a, r) => a + r.requests, 0);
  return rows
    .map((r) => ({ ...r, share: total ? Math.round((r.requests / total) * 1000) / 1000 : 0 }))
    .sort((a, b) => b.requests - a.requests);
}

/**
 * Capacity the fleet lost in (now − lookbackMs, now]: replicas that wrote to the fleet's copy in
 * that span but not in the last `staleMs` (stopped or cut off, their traffic now on the others),
 * less the replicas that joined in the span and still report (a restart or a rolling deploy
 * replaces a replica rather than losing one). Every replica writes at every evaluation and, while
 * it serves, every two seconds, so `staleMs` of a few evaluation intervals is a clear gap.
 */
export function lostReplicas(
  s: FleetSnapshot,
  lookbackMs: number,
  staleMs: number,
  now: number,
): Array<{ replica: string; lastSeenAt: number }> {
  const gone: Array<{ replica: string; lastSeenAt: number }> = [];
  let joined = 0;
  for (const [replica, at] of s.lastSeen) {
    if (at > now - lookbackMs && at < now - staleMs) gone.push({ replica, lastSeenAt: at });
    else if (at >= now - staleMs && (s.firstSeen.get(replica) ?? 0) > now - lookbackMs) joined++;
  }
  return gone.sort((a, b) => b.lastSeenAt - a.lastSeenAt).slice(0, Math.max(0, gone.length - joined));
}
