// The flag control plane: persisted overrides and rollout phase → this replica's FlagService, and
// propagation of every change to the other replicas. A change is announced on a Redis channel
// (every replica reloads from the database, the single source of truth) and each replica also
// polls the database, so a lost message or a Redis outage delays a change by one poll at most.
import { PeriodicTask } from '../common/periodic-task.js';
import { EventEmitter } from 'node:events';
import type { Environment } from '../config/index.js';
import type { Clock } from '../common/clock.js';
import { closeConnection, type Db, openDb, type RedisHandle } from '../storage/index.js';
import type { Redis } from 'ioredis';
import type { FlagService, FlagSnapshot } from './flag-service.js';
import { deleteOverrides, readAudit, readOverrides, writeOverrides, type AuditEntry, type FlagOverrides } from './overrides-store.js';
import { defaultPhase, readPhaseRecord, writePhase } from './phase-store.js';
import { MAX_PHASE, type FlagName, type OverrideValue } from './registry.js';
import { byCodeUnit } from '../common/compare.js';

export interface FlagView {
  flags: FlagSnapshot['flags'];
  sources: FlagSnapshot['sources'];
  phase: number | null;
  emergency: boolean;
}

export interface PublicFlagView extends Omit<FlagView, 'flags' | 'phase'> {
  flags: Record<FlagName, OverrideValue>;
  /** The phase in force: the recorded one, else 4 (no phase layer: v5 whole, as the rollout reads it). */
  phase: number;
  /** Whether a phase is recorded; false where the environment's defaults stand alone (development). */
  phaseRecorded: boolean;
}

export interface ChangeBy {
  actor: string;
  reason: string | null;
}

export interface FlagControlOptions {
  db: Db;
  flags: FlagService;
  env: Environment;
  redis: RedisHandle | null;
  clock: Clock;
  /** Database poll period; the safety net under pub/sub. */
  pollMs?: number;
  /** Channel shared by every replica of one database. */
  channel: string;
}

export type ApplyVia = 'local' | 'pubsub' | 'poll' | 'start';

export class FlagControl extends EventEmitter {
  readonly channel: string;
  private readonly pollMs: number;
  private fingerprint = '';
  // The poll is the safety net behind pub/sub: a failed one is simply tried again a period later.
  private readonly loop = new PeriodicTask({
    clock: { setTimeout: (fn, ms) => this.opts.clock.setTimeout(fn, ms) },
    everyMs: () => this.pollMs,
    onError: () => {},
    run: async () => {
      await this.replayHeld().catch(() => {});
      await this.load('poll');
    },
  });
  private subscriber: Redis | null = null;
  private pollDb: Db | null = null;
  private loading: Promise<boolean> | null = null;
  private reloadAgain = false;
  /**
   * A phase set while the database refused the write (or heard from the replica that set it): in
   * force here until the database holds a phase written after it. `by` is set on the replica that
   * owes the database the write.
   */
  /**
   * A phase in force that the database does not have yet. `by` is set on the replica that must
   * write it; `heard` on one that learnt it from another replica's announcement, which writes it
   * only if that replica has not, a poll after the database answers again (it may have died).
   */
  private held: { phase: number; at: number; by: ChangeBy | null; heard?: ChangeBy | null; dbBackAt?: number } | null = null;

  constructor(private readonly opts: FlagControlOptions) {
    super();
    this.channel = opts.channel;
    this.pollMs = opts.pollMs ?? 500;
  }

  view(): FlagView {
    const s = this.opts.flags.snapshot();
    return { flags: s.flags, sources: s.sources, phase: s.phase, emergency: s.emergency };
  }

  /** What the admin API, the CLI and the console show: a percentage rollout as its object. */
  publicView(): PublicFlagView {
    const s = this.opts.flags.snapshot();
    // The contract's shape has a number here; "none recorded" is a field of its own.
    return {
      flags: { ...s.flags, ...s.percentages },
      sources: s.sources,
      phase: s.phase ?? MAX_PHASE,
      phaseRecorded: s.phase !== null,
      emergency: s.emergency,
    };
  }

  /** The connection background work uses, so it never counts against request-path query stats. */
  backgroundDb(): Db {
    return this.pollDb ?? this.opts.db;
  }

  /** Reads overrides and phase and applies them when they differ from what is in force. */
  load(via: ApplyVia = 'poll'): Promise<boolean> {
    if (this.loading) {
      // A change announced while a read is in flight may have missed that read: read once more.
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      let changed = false;
      do {
        this.reloadAgain = false;
        changed = (await this.loadOnce(via)) || changed;
      } while (this.reloadAgain);
      return changed;
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async loadOnce(via: ApplyVia): Promise<boolean> {
    const db = this.backgroundDb();
    const [overrides, phaseRow] = await Promise.all([readOverrides(db), readPhaseRecord(db, this.opts.env)]);
    let phase = phaseRow ? phaseRow.phase : defaultPhase(this.opts.env);
    if (this.held && (!phaseRow || phaseRow.updatedAt < this.held.at)) phase = this.held.phase;
    else this.held = null;
    const fp = JSON.stringify([phase, Object.entries(overrides).sort(([a], [b]) => byCodeUnit(a, b))]);
    if (fp === this.fingerprint) return false;
    this.fingerprint = fp;
    const before = this.opts.flags.snapshot();
    // One recompute per change: set the phase silently through setOverrides' recompute when possible.
    if (this.opts.flags.getPhase() !== phase) this.opts.flags.setPhase(phase);
    this.opts.flags.setOverrides(overrides);
    this.emit('applied', { via, at: this.opts.clock.now(), before, after: this.opts.flags.snapshot() });
    return true;
  }

  async setOverrides(values: FlagOverrides, by: ChangeBy): Promise<PublicFlagView> {
    await writeOverrides(this.opts.db, values, { ...by, now: this.opts.clock.now() });
    await this.afterWrite();
    return this.publicView();
  }

  async clearOverrides(names: FlagName[], by: ChangeBy): Promise<FlagName[]> {
    const removed = await deleteOverrides(this.opts.db, names, { ...by, now: this.opts.clock.now() });
    await this.afterWrite();
    return removed;
  }

  async setPhase(phase: number, by: ChangeBy): Promise<void> {
    await writePhase(this.opts.db, this.opts.env, phase, { ...by, now: this.opts.clock.now() });
    await this.afterWrite();
  }

  /**
   * Sets the phase even when the database refuses the write: it is then in force here at once,
   * announced with its value on the Redis channel (replicas that hear it hold it too) and written
   * to the database by the next poll that reaches it. Returns whether the database has it now.
   */
  async setPhaseEvenOffline(phase: number, by: ChangeBy): Promise<{ recorded: boolean; error?: string }> {
    // Only a database that cannot answer is held through: a phase no fleet can be at is refused
    // here, before it could be held in memory and announced to the other replicas.
    if (!Number.isInteger(phase) || phase < 0 || phase > MAX_PHASE) throw new RangeError(`phase must be 0–${MAX_PHASE}, not ${phase}`);
    try {
      await this.setPhase(phase, by);
      return { recorded: true };
    } catch (err) {
      const at = this.opts.clock.now();
      this.held = { phase, at, by };
      this.applyHeld('local');
      await this.announce({ phase, heldAt: at, by });
      return { recorded: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** A phase waiting for the database (null when none). */
  heldPhase(): { phase: number; at: number } | null {
    return this.held ? { phase: this.held.phase, at: this.held.at } : null;
  }

  private applyHeld(via: ApplyVia): void {
    if (!this.held || this.opts.flags.getPhase() === this.held.phase) return;
    const before = this.opts.flags.snapshot();
    this.opts.flags.setPhase(this.held.phase);
    this.fingerprint = '';
    this.emit('applied', { via, at: this.opts.clock.now(), before, after: this.opts.flags.snapshot() });
  }

  /** Writes a held phase once the database answers; the write's timestamp ends the hold everywhere. */
  private async replayHeld(): Promise<void> {
    const h = this.held;
    const by = h?.by ?? h?.heard;
    if (!h || !by) return;
    if (!h.by) {
      // Heard, not set here: the setter writes it. A poll after the database answers, if the
      // database still lacks it, the setter is gone and this replica writes it in its name.
      const row = await readPhaseRecord(this.backgroundDb(), this.opts.env);
      if (row && row.updatedAt >= h.at) return;
      const now = this.opts.clock.now();
      if (h.dbBackAt === undefined) {
        if (this.held === h) this.held = { ...h, dbBackAt: now };
        return;
      }
      if (now - h.dbBackAt < this.pollMs) return;
    }
    await writePhase(this.opts.db, this.opts.env, h.phase, {
      actor: by.actor,
      reason: h.by ? by.reason : `${by.reason ?? ''} (held while the database was down; written by another replica)`.trim(),
      now: Math.max(this.opts.clock.now(), h.at + 1),
    });
    if (this.held === h) this.held = { ...h, by: null, heard: null };
    await this.announce();
  }

  async overrides(): Promise<FlagOverrides> {
    return readOverrides(this.opts.db);
  }

  audit(limit: number, flag?: string): Promise<AuditEntry[]> {
    return readAudit(this.opts.db, { limit, flag });
  }

  /** Applies a change here at once, then tells every other replica. */
  private async afterWrite(): Promise<void> {
    this.fingerprint = '';
    await this.load('local');
    await this.announce();
  }

  async announce(extra: { phase: number; heldAt: number; by?: ChangeBy } | null = null): Promise<void> {
    if (!this.opts.redis) return;
    try {
      await this.opts.redis.client.publish(this.channel, JSON.stringify({ at: this.opts.clock.now(), ...extra }));
    } catch {
      // Redis away: the other replicas' polling picks the change up within one poll period.
    }
  }

  async start(): Promise<void> {
    if (this.loop.started) return;
    if (!this.opts.db.url.endsWith(':memory:')) this.pollDb = openDb(this.opts.db.url, { poolSize: 2 });
    if (this.opts.redis) {
      // The subscriber queues its SUBSCRIBE until connected and re-subscribes after reconnects.
      this.subscriber = this.opts.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
      this.subscriber.on('message', (channel: string, raw: string) => {
        if (channel !== this.channel) return;
        const held = parseHeld(raw);
        if (held && (!this.held || this.held.at <= held.heldAt)) {
          this.held = { phase: held.phase, at: held.heldAt, by: this.held?.by ?? null, heard: held.by };
          this.applyHeld('pubsub');
        }
        this.load('pubsub').catch(() => {});
      });
      // Not awaited: with Redis down the SUBSCRIBE waits for a connection, and a replica started
      // during an outage must still serve (polling carries flag changes meanwhile).
      void this.subscriber.subscribe(this.channel).catch(() => {});
    }
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.loading?.catch(() => {});
    const sub = this.subscriber;
    this.subscriber = null;
    if (sub) await closeConnection(sub);
    const pdb = this.pollDb;
    this.pollDb = null;
    if (pdb) await pdb.close();
  }
}

function parseHeld(raw: string): { phase: number; heldAt: number; by: ChangeBy | null } | null {
  try {
    const m = JSON.parse(raw) as { phase?: unknown; heldAt?: unknown; by?: { actor?: unknown; reason?: unknown } };
    const by = typeof m.by?.actor === 'string' ? { actor: m.by.actor, reason: typeof m.by.reason === 'string' ? m.by.reason : null } : null;
    return Number.isInteger(m.phase) && typeof m.heldAt === 'number' ? { phase: m.phase as number, heldAt: m.heldAt, by } : null;
  } catch {
    return null;
  }
}
