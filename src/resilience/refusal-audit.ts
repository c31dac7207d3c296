// An independent check on the limiter, for the rollout trigger "rate limiting blocking legitimate
// users". Each client's recent request times are kept here (a ring of its last `limit` requests,
// read with the injected clock); a refusal is *legitimate-user* when the client had fewer than
// its limit requests in the trailing window before the refused one, i.e. it was under its limit.
// A correct fixed-window limiter never does that on one replica (a window's requests all lie in
// the trailing window), so a non-zero ratio means a stale shared counter, counters that disagree
// after a Redis outage, or clock trouble. With several replicas each sees only its own share of a
// client's requests, which can only over-report such refusals: the signal errs towards alarm.
//
// rate_limit_legitimate_refusal_ratio = legitimate-user refusals ÷ requests the limiter decided.
import { LRUCache } from 'lru-cache';
import type { Clock } from '../common/clock.js';

const MAX_CLIENTS = 5000;

const INITIAL_RING = 64;

interface Ring {
  times: Float64Array;
  limit: number;
  next: number;
  size: number;
}

export class RefusalAudit {
  private readonly rings = new LRUCache<string, Ring>({ max: MAX_CLIENTS });
  decisions = 0;
  refusals = 0;
  legitimateRefusals = 0;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {}

  /** Records one limiter decision for `client` whose limit is `limit`. */
  record(client: string, limit: number, allowed: boolean): void {
    const now = this.clock.now();
    let ring = this.rings.get(client);
    if (!ring || ring.limit !== limit) {
      // The ring starts small and doubles up to `limit` as the client's requests come: a
      // generous limit (a million a minute) would otherwise cost 8 MB for every client seen.
      ring = { times: new Float64Array(Math.min(limit, INITIAL_RING)), limit, next: 0, size: 0 };
      this.rings.set(client, ring);
    }
    this.decisions++;
    if (!allowed) {
      this.refusals++;
      // The oldest of the client's last `limit` requests: inside the window means it had `limit` already.
      const oldest = ring.size < limit ? null : (ring.times[ring.next] as number);
      if (oldest === null || now - oldest >= this.windowMs) this.legitimateRefusals++;
    }
    if (ring.size === ring.times.length && ring.size < limit) {
      // Full but below the limit: entries are in order from 0, so they keep their places.
      const grown = new Float64Array(Math.min(limit, ring.times.length * 2));
      grown.set(ring.times);
      ring.times = grown;
      ring.next = ring.size;
    }
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % ring.times.length;
    ring.size = Math.min(limit, ring.size + 1);
  }

  ratio(): number | null {
    return this.decisions === 0 ? null : this.legitimateRefusals / this.decisions;
  }
}
