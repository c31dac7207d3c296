// Where every rollout decision and announcement goes, manual or automatic: the decision into the
// rollout state (held by this replica while the database is away), the announcement to the
// webhook channels, and both onto the controller's live feed ('decision', 'alert').
import { auditEvent } from '../flags/index.js';
import type { RolloutOptions } from './controller.js';
import type { Notification } from './notifier.js';
import type { RecordingHealth } from './rollout-state.js';
import { listDecisions, type Decision } from './state-store.js';

/** A stored decision, or one held by this replica until the database takes it (negative id). */
export type RecordedDecision = Decision & { recorded: boolean };

export interface DecisionRecorderOptions extends Pick<RolloutOptions, 'env' | 'clock' | 'control' | 'state' | 'notifier'> {
  emit: (event: 'decision' | 'alert', payload: unknown) => void;
  log: (msg: string) => void;
}

export class DecisionRecorder {
  /** This replica's latest decisions, for the decisions list while the database is away. */
  private readonly recent: RecordedDecision[] = [];

  constructor(private readonly o: DecisionRecorderOptions) {}

  async record(d: Omit<Decision, 'id' | 'at' | 'environment'>): Promise<RecordedDecision> {
    const at = this.o.clock.now();
    const { id, recorded } = await this.o.state.insertDecision(at, d);
    const decision: RecordedDecision = { ...d, id, recorded, at: new Date(at).toISOString(), environment: this.o.env };
    if (!recorded) this.o.log(`rollout: ${d.kind} decision held as #${id} until the database answers (${d.reason ?? ''})`);
    this.recent.push(decision);
    if (this.recent.length > 500) this.recent.shift();
    this.o.emit('decision', decision);
    return decision;
  }

  async notify(n: Notification): Promise<void> {
    const result = await this.o.notifier.notify(n);
    this.o.emit('alert', { ...n, at: new Date(this.o.clock.now()).toISOString(), delivered: result.delivered, error: result.error });
  }

  /** An audit row the database may refuse; the decision record already holds the change. */
  async audit(kind: string, before: unknown, after: unknown, by: { actor: string; reason: string | null }): Promise<void> {
    await auditEvent(this.o.control.backgroundDb(), kind, before, after, { ...by, now: this.o.clock.now() }).catch((err: unknown) =>
      this.o.log(`rollout: audit ${kind} not recorded: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  async stored(limit: number): Promise<Decision[]> {
    return listDecisions(this.o.control.backgroundDb(), this.o.env, Math.min(Math.max(limit, 1), 500));
  }

  /**
   * Decisions from the database, or — while it does not answer — the ones this replica made since
   * it started (held ones with their provisional negative id), saying so: `source` and `recording`.
   */
  async storedOrRecent(
    limit: number,
  ): Promise<{ decisions: RecordedDecision[]; source: 'database' | 'memory'; recording: RecordingHealth; error?: string }> {
    const n = Math.min(Math.max(limit, 1), 500);
    try {
      return {
        decisions: (await this.stored(n)).map((d) => ({ ...d, recorded: true })),
        source: 'database',
        recording: this.o.state.health(),
      };
    } catch (err) {
      const recent = this.recent
        .slice(-n)
        .reverse()
        .map((d) => ((id) => ({ ...d, id, recorded: d.recorded || id > 0 }))(this.o.state.decisionId(d.id)));
      return {
        decisions: recent,
        source: 'memory',
        recording: this.o.state.health(),
        error: `database unavailable (${err instanceof Error ? err.message : String(err)}): this replica's decisions since it started`,
      };
    }
  }
}
