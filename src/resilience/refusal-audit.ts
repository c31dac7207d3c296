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
// Times are kept as milliseconds after the ring's own base, 4 bytes each rather than a Float64's
// 8: a client far under a generous limit keeps a minute of its requests (under the benchmark's
// load, a quarter of a million), so this halves the one array that grows with request rate.
const MAX_OFFSET = 0xffff_ffff;

interface Ring {
  /** Milliseconds after `base`. */
  times: Uint32Array;
  base: number;
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

  /** Entries the ring of `client` has room for (tests check that it stays bounded by the window). */
  ringCapacity(client: string): number {
    return this.rings.peek(client)?.times.length ?? 0;
  }

  /** Bytes the ring of `client` holds its times in. */
  ringBytes(client: string): number {
    return this.rings.peek(client)?.times.byteLength ?? 0;
  }

  /** Records one limiter decision for `client` whose limit is `limit`. */
  record(client: string, limit: number, allowed: boolean): void {
    // Whole milliseconds, as the ring stores them (the system clock gives nothing finer).
    const now = Math.floor(this.clock.now());
    let ring = this.rings.get(client);
    if (!ring || ring.limit !== limit) {
      // The ring starts small and doubles up to `limit` as the client's requests come: a
      // generous limit (a million a minute) would otherwise cost 8 MB for every client seen.
      // A base a window back leaves room for the clock to step back by a window without a rebase.
      ring = { times: new Uint32Array(Math.min(limit, INITIAL_RING)), base: now - this.windowMs, limit, next: 0, size: 0 };
      this.rings.set(client, ring);
    }
    if (now - ring.base < 0 || now - ring.base > MAX_OFFSET) this.rebase(ring, now);
    // The entry the next request overwrites: once the ring is full, the oldest it holds.
    const oldest = ring.base + (ring.times[ring.next] as number);
    this.decisions++;
    if (!allowed) {
      this.refusals++;
      // The oldest of the client's last `limit` requests: inside the window means it had `limit` already.
      if (ring.size < limit || now - oldest >= this.windowMs) this.legitimateRefusals++;
    }
    // Full but below the limit: the ring grows only while its oldest entry is still inside the
    // window, and otherwise reuses that entry. Kept past the window, a busy client's ring grew
    // toward its limit (under the benchmark's 100,000,000 a minute, about 7 MB for each minute of
    // load, never given back). The refusal check needs only the window's requests, and the ring
    // always holds all of those.
    if (ring.size === ring.times.length && ring.size < limit && now - oldest < this.windowMs) {
      const grown = new Uint32Array(Math.min(limit, ring.times.length * 2));
      // Oldest first: the entries from `next` to the end, then those before it.
      grown.set(ring.times.subarray(ring.next));
      grown.set(ring.times.subarray(0, ring.next), ring.times.length - ring.next);
      ring.times = grown;
      ring.next = ring.size;
    }
    ring.times[ring.next] = now - ring.base;
    ring.next = (ring.next + 1) % ring.times.length;
    // The entries held: never more than the ring has room for (≤ limit), so a full ring that
    // reused an entry outside the window still reads as full at the next request.
    ring.size = Math.min(ring.times.length, ring.size + 1);
  }

  /**
   * Moves the base to a window before `now` (after 49 days of one ring, or a clock stepped back
   * past the base). A time older than the new base is stored as the base itself: it still reads
   * as a window old or more, outside the window, which is all the check asks of it.
   */
  private rebase(ring: Ring, now: number): void {
    const base = now - this.windowMs;
    const shift = base - ring.base;
    for (let i = 0; i < ring.times.length; i++) {
      ring.times[i] = Math.min(MAX_OFFSET, Math.max(0, (ring.times[i] as number) - shift));
    }
    ring.base = base;
  }

  ratio(): number | null {
    return this.decisions === 0 ? null : this.legitimateRefusals / this.decisions;
  }
}
