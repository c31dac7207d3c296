// The rollout controller: phase state, gates, manual advance/rollback, and the SLO trigger loop
// that rolls a phase back on its own (trigger-loop.ts; decisions and announcements of both go
// through decision-recorder.ts). Decisions are stored with their evidence, latched triggers
// wait for a person to re-arm them, and every change reaches the other replicas through the flag
// control plane. Events for the console's live feed: 'breach', 'decision', 'alert'.
import { EventEmitter } from 'node:events';
import type { Clock } from '../common/clock.js';
import { ApiError } from '../common/errors.js';
import type { Environment } from '../config/index.js';
import { type FlagControl, MAX_PHASE } from '../flags/index.js';
import { setSetting } from '../storage/index.js';
import { DecisionRecorder } from './decision-recorder.js';
import { evaluateGate, GATES, type Attestation, type GateReport } from './gates.js';
import type { Lease } from './lease.js';
import type { Measurements } from './measurements.js';
import type { Notification, WebhookNotifier } from './notifier.js';
import { pinPhase, releasePins, rollbackFeatures, type PhaseChange } from './phase-actions.js';
import type { PlatformFinding, PlatformMonitor } from './platform.js';
import { DEFAULT_PLATFORM_MAX_DEFER_MS } from './platform-rule.js';
import type { RecordingHealth, RolloutState } from './rollout-state.js';
import { addAttestation, type Decision, type Latch } from './state-store.js';
import { TriggerEngine, type Firing, type TriggerState } from './trigger-engine.js';
import { TriggerLoop } from './trigger-loop.js';
import { TRIGGERS, type TriggerDef } from './triggers.js';

export interface RolloutOptions {
  env: Environment;
  control: FlagControl;
  clock: Clock;
  measurements: Measurements;
  notifier: WebhookNotifier;
  lease: Lease;
  /** Latches, held records and cached reads that outlive a database outage. */
  state: RolloutState;
  /** Samples the database, host and fleet while a latency or error trigger breaches; see platform.ts. */
  platform?: PlatformMonitor | null;
  /** How long a breach may be put down to the platform before it rolls back anyway. */
  platformMaxDeferMs?: number;
  log?: (msg: string) => void;
  intervalMs?: number;
  gateWindowMs?: number;
  /** Start-up default of the dry-run switch (env ROLLOUT_DRY_RUN); the switch itself is persisted. */
  dryRun?: boolean;
  triggers?: TriggerDef[];
}

export interface RolloutStatus {
  environment: Environment;
  /** Recorded phase; null when none was ever recorded (development and staging show v5 whole). */
  phase: number | null;
  effectivePhase: number;
  nextPhase: number | null;
  dryRun: boolean;
  emergency: boolean;
  intervalMs: number;
  gateWindowMs: number;
  lastEvaluationAt: string | null;
  /** Whether request readings are the fleet's (shared in Redis) or this replica's own, and why. */
  measurement: { scope: 'fleet' | 'replica'; replica: string | null; reason?: string };
  triggers: TriggerState[];
  /** What the last platform sample found (database, host, fleet); null before the first. */
  platform: { sampledAt: string; findings: PlatformFinding[]; maxDeferMs: number } | null;
  latches: Latch[];
  /** Whether decisions, latches and re-arms reach the database; held here while they cannot. */
  recording: RecordingHealth;
  /** A phase in force that the database does not hold yet. */
  heldPhase: { phase: number; since: string } | null;
}

export interface ChangeRequest {
  actor: string;
  reason?: string | null;
}

export type RolloutEvent = 'breach' | 'decision' | 'alert';

export class RolloutController extends EventEmitter {
  readonly engine: TriggerEngine;
  readonly intervalMs: number;
  readonly gateWindowMs: number;
  private dryRunDefault: boolean;
  private readonly maxDeferMs: number;
  private readonly recorder: DecisionRecorder;
  private readonly loop: TriggerLoop;

  constructor(private readonly o: RolloutOptions) {
    super();
    this.engine = new TriggerEngine(o.triggers ?? TRIGGERS, o.measurements);
    this.intervalMs = o.intervalMs ?? 15_000;
    this.gateWindowMs = o.gateWindowMs ?? 15 * 60_000;
    this.dryRunDefault = o.dryRun ?? false;
    this.maxDeferMs = o.platformMaxDeferMs ?? DEFAULT_PLATFORM_MAX_DEFER_MS;
    const log = (msg: string) => this.log(msg);
    const emit = (event: RolloutEvent, payload: unknown) => this.emit(event, payload);
    this.recorder = new DecisionRecorder({
      env: o.env,
      clock: o.clock,
      control: o.control,
      state: o.state,
      notifier: o.notifier,
      emit,
      log,
    });
    this.loop = new TriggerLoop({
      env: o.env,
      clock: o.clock,
      control: o.control,
      measurements: o.measurements,
      lease: o.lease,
      state: o.state,
      platform: o.platform ?? null,
      engine: this.engine,
      recorder: this.recorder,
      intervalMs: this.intervalMs,
      gateWindowMs: this.gateWindowMs,
      maxDeferMs: this.maxDeferMs,
      effectivePhase: () => this.effectivePhase(),
      dryRun: () => this.dryRun(),
      emit,
      log,
    });
  }

  recording(): RecordingHealth {
    return this.o.state.health();
  }

  get measurements(): Measurements {
    return this.o.measurements;
  }

  async attestations(): Promise<Map<string, Attestation>> {
    return (await this.o.state.attestations()).attestations;
  }

  private log(msg: string): void {
    (this.o.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(msg);
  }

  private get db() {
    return this.o.control.backgroundDb();
  }

  effectivePhase(): number {
    return this.o.control.view().phase ?? MAX_PHASE;
  }

  async dryRun(): Promise<boolean> {
    const v = await this.o.state.setting(`rollout_dry_run:${this.o.env}`);
    return v === null || v === undefined ? this.dryRunDefault : v === 'true';
  }

  async setDryRun(enabled: boolean, by: ChangeRequest): Promise<void> {
    const before = await this.dryRun();
    await setSetting(this.db, `rollout_dry_run:${this.o.env}`, String(enabled), this.o.clock.now());
    await this.recorder.audit('ROLLOUT_DRY_RUN', before, enabled, { actor: by.actor, reason: by.reason ?? null });
  }

  async status(): Promise<RolloutStatus> {
    const view = this.o.control.view();
    const eff = this.effectivePhase();
    return {
      environment: this.o.env,
      phase: view.phase,
      effectivePhase: eff,
      nextPhase: eff < MAX_PHASE ? eff + 1 : null,
      dryRun: await this.dryRun(),
      emergency: view.emergency,
      intervalMs: this.intervalMs,
      gateWindowMs: this.gateWindowMs,
      lastEvaluationAt: this.loop.lastEvaluationAt === null ? null : new Date(this.loop.lastEvaluationAt).toISOString(),
      measurement: this.o.measurements.scope(),
      triggers: this.engine.snapshot(),
      latches: await this.o.state.latches(),
      recording: this.o.state.health(),
      platform: ((p) => (p ? { sampledAt: new Date(p.at).toISOString(), findings: p.findings, maxDeferMs: this.maxDeferMs } : null))(
        this.o.platform?.last() ?? null,
      ),
      heldPhase: ((h) => (h ? { phase: h.phase, since: new Date(h.at).toISOString() } : null))(this.o.control.heldPhase()),
    };
  }

  /** The gate into the next phase (or phase 4's completion criteria once there). */
  async gate(): Promise<GateReport> {
    await this.o.measurements.syncFleet(this.gateWindowMs);
    const from = this.effectivePhase();
    const to = from < MAX_PHASE ? from + 1 : 'complete';
    const att = await this.o.state.attestations();
    return evaluateGate({
      from,
      to,
      criteria: GATES[String(to) as keyof typeof GATES],
      measurements: this.o.measurements,
      flags: this.o.control.view().flags,
      windowMs: this.gateWindowMs,
      attestations: att.attestations,
      attestationsStale: att.stale,
      latches: await this.o.state.latches(),
      now: this.o.clock.now(),
    });
  }

  async attest(a: { criterion: string; evidence: string; actor: string }): Promise<void> {
    const known = new Set(
      Object.values(GATES)
        .flat()
        .filter((c) => c.kind === 'attestation')
        .map((c) => c.id),
    );
    if (!known.has(a.criterion))
      throw new ApiError(400, 'unknown_criterion', `No attestation named ${a.criterion}; known: ${[...known].join(', ')}`);
    if (!a.evidence.trim()) throw new ApiError(400, 'evidence_required', 'An attestation needs evidence (a link, a report id, a summary)');
    await addAttestation(this.db, this.o.env, {
      criterion: a.criterion,
      actor: a.actor,
      evidence: a.evidence.trim().slice(0, 2000),
      at: this.o.clock.now(),
    });
  }

  async advance(req: ChangeRequest & { force?: boolean }): Promise<{ decision: Decision; gate: GateReport }> {
    const gate = await this.gate();
    if (gate.to === 'complete') throw new ApiError(409, 'rollout_complete', `Already at phase ${MAX_PHASE}`, gate);
    // A latch is a person's unfinished business with a trigger: no advance, forced or not, skips it.
    if (gate.latches.length) {
      throw new ApiError(
        409,
        'triggers_latched',
        `Latched trigger(s) ${gate.latches.map((l) => l.trigger).join(', ')} block every advance, forced or not; re-arm them with a reason first`,
        gate,
      );
    }
    const reason = req.reason?.trim() || null;
    if (!gate.pass && !req.force)
      throw new ApiError(409, 'gate_failed', `The gate into phase ${gate.to} does not pass; fix it or force with a reason`, gate);
    if (!gate.pass && !reason) throw new ApiError(400, 'reason_required', 'Forcing past a failing gate needs a reason (audited)');
    const before = this.o.control.view().flags;
    const change = await this.applyAdvance(gate.to, req.actor, reason);
    const decision = await this.recorder.record({
      kind: 'advance',
      triggers: [],
      fromPhase: gate.from,
      toPhase: gate.to,
      actor: req.actor,
      reason,
      dryRun: false,
      evidence: { gate, forced: !gate.pass, pinsReleased: change.released },
      flagsBefore: before,
      flagsAfter: this.o.control.view().flags,
    });
    if (!gate.pass) await this.recorder.audit('ROLLOUT_FORCED_ADVANCE', gate.from, gate.to, { actor: req.actor, reason });
    await this.recorder.notify({
      channel: 'deployments',
      text: `DealerScope ${this.o.env}: phase ${gate.from} → ${gate.to}${gate.pass ? '' : ' (FORCED past a failing gate)'} by ${req.actor}${reason ? `: ${reason}` : ''}`,
      fields: { decisionId: decision.id },
    });
    return { decision, gate };
  }

  private async applyAdvance(to: number, actor: string, reason: string | null): Promise<PhaseChange> {
    const released = await releasePins(this.o.control, to, { actor, reason });
    await this.o.control.setPhase(to, { actor, reason });
    await this.recorder.audit('ROLLOUT_PHASE', to - 1, to, { actor, reason });
    return { pinned: [], released };
  }

  /**
   * Rolls phase `phase` (default: the current one) and every later phase back: the rollout returns
   * to phase−1 and any override or FF_ variable that would keep a rolled-back flag on is pinned to
   * phase−1's value. With `features`, only those features' flags go back to phase−1's values.
   */
  async rollback(req: ChangeRequest & { phase?: number; features?: string[] }): Promise<Decision> {
    const reason = req.reason?.trim() || null;
    if (!reason) throw new ApiError(400, 'reason_required', 'A rollback needs a reason (audited)');
    const eff = this.effectivePhase();
    const phase = req.phase ?? eff;
    if (!Number.isInteger(phase) || phase < 1 || phase > MAX_PHASE)
      throw new ApiError(400, 'invalid_phase', `phase must be 1–${MAX_PHASE}`);
    const before = this.o.control.view().flags;
    let change: PhaseChange;
    let to: number;
    if (req.features?.length) {
      to = phase - 1;
      change = await rollbackFeatures(this.o.control, req.features, to, { actor: req.actor, reason });
    } else {
      to = Math.min(eff, phase - 1);
      change = await pinPhase(this.o.control, to, { actor: req.actor, reason });
      await this.recorder.audit('ROLLOUT_PHASE', eff, to, { actor: req.actor, reason });
    }
    const decision = await this.recorder.record({
      kind: 'rollback',
      triggers: [],
      fromPhase: eff,
      toPhase: req.features?.length ? eff : to,
      actor: req.actor,
      reason,
      dryRun: false,
      evidence: { rolledBackPhase: phase, features: req.features ?? null, pinned: change.pinned, unrecorded: change.unrecorded },
      flagsBefore: before,
      flagsAfter: this.o.control.view().flags,
    });
    await this.recorder.notify({
      channel: 'deployments',
      text: `DealerScope ${this.o.env}: manual rollback of phase ${phase}${req.features?.length ? ` (features ${req.features.join(', ')})` : ` → phase ${to}`} by ${req.actor}: ${reason}`,
      fields: { decisionId: decision.id },
    });
    return decision;
  }

  async decisions(limit = 50): Promise<Decision[]> {
    return this.recorder.stored(limit);
  }

  /**
   * Decisions from the database, or — while it does not answer — the ones this replica made since
   * it started (held ones with their provisional negative id), saying so: `source` and `recording`.
   */
  decisionsOrRecent(limit = 50): ReturnType<DecisionRecorder['storedOrRecent']> {
    return this.recorder.storedOrRecent(limit);
  }

  /** Re-arms latched triggers (one, or 'all'); a person's reason is required. */
  async rearm(req: ChangeRequest & { trigger: string }): Promise<{ rearmed: string[]; decision: Decision | null }> {
    const reason = req.reason?.trim() || null;
    if (!reason) throw new ApiError(400, 'reason_required', 'Re-arming a trigger needs a reason');
    if (req.trigger !== 'all' && !this.engine.triggers.some((t) => t.id === req.trigger))
      throw new ApiError(400, 'unknown_trigger', `No trigger named ${req.trigger}`);
    const rearmed = await this.o.state.removeLatches(req.trigger === 'all' ? 'all' : [req.trigger]);
    if (rearmed.length === 0) return { rearmed, decision: null };
    await this.recorder.notify({
      channel: 'deployments',
      text: `DealerScope ${this.o.env}: trigger(s) ${rearmed.join(', ')} re-armed by ${req.actor}: ${reason}`,
      fields: { triggers: rearmed },
    });
    const flags = this.o.control.view().flags;
    const decision = await this.recorder.record({
      kind: 'rearm',
      triggers: rearmed,
      fromPhase: this.effectivePhase(),
      toPhase: this.effectivePhase(),
      actor: req.actor,
      reason,
      dryRun: false,
      evidence: {},
      flagsBefore: flags,
      flagsAfter: flags,
    });
    return { rearmed, decision };
  }

  // ---- the trigger loop ----

  start(): void {
    this.loop.start();
  }

  stop(): void {
    void this.loop.stop();
  }

  /** Resolves when the evaluation in flight (if any) has finished. */
  settled(): Promise<void> {
    return this.loop.settled();
  }

  /** One evaluation; concurrent callers share it. */
  evaluate(): Promise<Firing[]> {
    return this.loop.evaluate();
  }

  /** Posts an operator-facing event (the kill switch) to its channel and the live feed. */
  announce(n: Notification): Promise<void> {
    return this.recorder.notify(n);
  }
}
