// The controller's working state — latches, its dry-run switch, attestations it last read — kept
// where it survives a database outage. Latches live in Redis when it is configured (every replica
// reads the same hash) and always in this replica's memory; the database stays the durable record.
// A write the database refuses is queued here, in order, and replayed once it answers again, so
// the controller keeps deciding and acting while PostgreSQL is down and says what it could not
// record (status, metrics, log) instead of going blind.
import type { Redis } from 'ioredis';
import type { Environment } from '../config/index.js';
import { type Db, getSetting } from '../storage/index.js';
import type { Attestation } from './gates.js';
import {
  addLatch,
  insertDecision,
  latestAttestations,
  readLatches,
  removeLatches,
  type Decision,
  type DecisionInput,
  type Latch,
} from './state-store.js';
import { byCodeUnit } from '../common/compare.js';

export interface RecordingHealth {
  /** False while some decision, latch or re-arm is held here because the database refused it. */
  ok: boolean;
  /** Records waiting for the database. */
  unrecorded: number;
  since: string | null;
  error: string | null;
}

type QueuedWrite =
  | { op: 'decision'; provisionalId: number; at: number; input: DecisionInput }
  | { op: 'latch'; latch: Latch; at: number }
  | { op: 'unlatch'; triggers: string[] | 'all' };

export interface RolloutStateOptions {
  env: Environment;
  db: () => Db;
  redis: Redis | null;
  /** Redis hash holding the latches of this environment's fleet. */
  redisKey: string;
  now: () => number;
  log: (msg: string) => void;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class RolloutState {
  private latchCache = new Map<string, Latch>();
  private attestationCache = new Map<string, Attestation>();
  private dryRunCache: string | null | undefined = undefined;
  private queue: QueuedWrite[] = [];
  private failingSince: number | null = null;
  private lastError: string | null = null;
  private provisional = 0;
  /** Provisional (negative) decision ids → the ids the database gave them on replay. */
  private readonly assigned = new Map<number, number>();
  private flushing: Promise<void> | null = null;

  constructor(private readonly o: RolloutStateOptions) {}

  health(): RecordingHealth {
    return {
      ok: this.queue.length === 0 && this.failingSince === null,
      unrecorded: this.queue.length,
      since: this.failingSince === null ? null : new Date(this.failingSince).toISOString(),
      error: this.lastError,
    };
  }

  private failed(what: string, err: unknown): void {
    if (this.failingSince === null) {
      this.failingSince = this.o.now();
      this.o.log(
        `rollout: cannot record ${what} in the database (${message(err)}); acting on state held in ${this.o.redis ? 'Redis and ' : ''}memory`,
      );
    }
    this.lastError = message(err);
  }

  private recovered(): void {
    if (this.failingSince !== null && this.queue.length === 0) {
      this.o.log(`rollout: database answers again; held records written, ${this.assigned.size} decision id(s) reassigned`);
      this.failingSince = null;
      this.lastError = null;
    }
  }

  /** Latches from every store that answers (union), so a latch set anywhere holds everywhere. */
  async latches(): Promise<Latch[]> {
    await this.flush();
    const merged = new Map(this.latchCache);
    let dbAnswered = false;
    if (this.o.redis) {
      try {
        const all = await this.o.redis.hgetall(this.o.redisKey);
        for (const [k, v] of Object.entries(all)) merged.set(k, JSON.parse(v) as Latch);
        // Redis is the fleet's copy: a latch this replica holds but Redis lacks was re-armed elsewhere,
        // unless it is still waiting to be recorded here.
        for (const k of this.latchCache.keys()) if (!(k in all) && !this.queuedLatch(k)) merged.delete(k);
      } catch {
        // Redis away: the database and this replica's memory still say which triggers are latched.
      }
    }
    try {
      const rows = await readLatches(this.o.db(), this.o.env);
      dbAnswered = true;
      for (const l of rows) if (!this.queuedUnlatch(l.trigger)) merged.set(l.trigger, l);
      if (!this.o.redis)
        for (const k of this.latchCache.keys()) if (!rows.some((r) => r.trigger === k) && !this.queuedLatch(k)) merged.delete(k);
    } catch (err) {
      this.failed('or read latches', err);
    }
    if (dbAnswered) this.recovered();
    this.latchCache = merged;
    return [...merged.values()].sort((a, b) => byCodeUnit(a.trigger, b.trigger));
  }

  private queuedLatch(trigger: string): boolean {
    return this.queue.some((q) => q.op === 'latch' && q.latch.trigger === trigger);
  }

  private queuedUnlatch(trigger: string): boolean {
    return this.queue.some((q) => q.op === 'unlatch' && (q.triggers === 'all' || q.triggers.includes(trigger)));
  }

  async addLatch(trigger: string, decisionId: number, at: number): Promise<void> {
    const latch: Latch = { trigger, decisionId, latchedAt: new Date(at).toISOString() };
    this.latchCache.set(trigger, latch);
    await this.o.redis?.hset(this.o.redisKey, trigger, JSON.stringify(latch)).catch(() => 0);
    await this.write({ op: 'latch', latch, at });
  }

  /** Removes latches everywhere; returns the triggers that were latched. */
  async removeLatches(triggers: string[] | 'all'): Promise<string[]> {
    const known = await this.latches();
    const removed = known.filter((l) => triggers === 'all' || triggers.includes(l.trigger)).map((l) => l.trigger);
    for (const t of removed) this.latchCache.delete(t);
    if (removed.length && this.o.redis) await this.o.redis.hdel(this.o.redisKey, ...removed).catch(() => 0);
    this.queue = this.queue.filter((q) => !(q.op === 'latch' && removed.includes(q.latch.trigger)));
    if (removed.length) await this.write({ op: 'unlatch', triggers: removed });
    return removed;
  }

  /** Stores a decision; while the database is away it gets a provisional negative id and waits. */
  async insertDecision(at: number, input: DecisionInput): Promise<{ id: number; recorded: boolean }> {
    if (this.queue.length === 0) {
      try {
        const id = await insertDecision(this.o.db(), this.o.env, at, input);
        this.recovered();
        return { id, recorded: true };
      } catch (err) {
        this.failed('a decision', err);
      }
    }
    const provisionalId = --this.provisional;
    this.queue.push({ op: 'decision', provisionalId, at, input });
    return { id: provisionalId, recorded: false };
  }

  async attestations(): Promise<{ attestations: Map<string, Attestation>; stale: boolean }> {
    try {
      this.attestationCache = await latestAttestations(this.o.db(), this.o.env);
      return { attestations: this.attestationCache, stale: false };
    } catch (err) {
      this.failed('or read attestations', err);
      return { attestations: this.attestationCache, stale: true };
    }
  }

  async setting(key: string): Promise<string | null | undefined> {
    try {
      this.dryRunCache = await getSetting(this.o.db(), key);
    } catch (err) {
      this.failed('or read the dry-run switch', err);
    }
    return this.dryRunCache;
  }

  private async write(w: QueuedWrite): Promise<void> {
    this.queue.push(w);
    await this.flush();
  }

  /** Replays held writes in order; stops at the first the database refuses. */
  flush(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    this.flushing ??= (async () => {
      try {
        while (this.queue.length) {
          const w = this.queue[0] as QueuedWrite;
          const db = this.o.db();
          if (w.op === 'decision') this.assigned.set(w.provisionalId, await insertDecision(db, this.o.env, w.at, w.input));
          else if (w.op === 'latch')
            await addLatch(db, this.o.env, w.latch.trigger, this.assigned.get(w.latch.decisionId) ?? w.latch.decisionId, w.at);
          else await removeLatches(db, this.o.env, w.triggers);
          this.queue.shift();
        }
        this.recovered();
      } catch (err) {
        this.failed('held records', err);
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /**
   * True for the first replica to claim `name` within `ttlMs` (Redis SET NX), so one alert goes out
   * for the fleet; true as well when Redis is absent or silent: a duplicate beats a missing alert.
   */
  async claimOnce(name: string, ttlMs: number): Promise<boolean> {
    if (!this.o.redis) return true;
    try {
      return (await this.o.redis.set(`${this.o.redisKey}:claim:${name}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
    } catch {
      return true;
    }
  }

  async releaseClaim(name: string): Promise<void> {
    await this.o.redis?.del(`${this.o.redisKey}:claim:${name}`).catch(() => 0);
  }

  /** The id a provisional decision got once recorded (itself when it was recorded at once). */
  decisionId(id: number): number {
    return this.assigned.get(id) ?? id;
  }
}

export type { Decision };
