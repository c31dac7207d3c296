// The rollout controller: phase state, gates, manual advance/rollback, and the SLO trigger loop
// that rolls a phase back on its own. Decisions are stored with their evidence, latched triggers
// wait for a person to re-arm them, and every change reaches the other replicas through the flag
// control plane. Events for the console's live feed: 'breach', 'decision', 'alert'.
import { PeriodicTask } from '../common/periodic-task.js';
import { EventEmitter } from 'node:events';
import type { Environment } from '../config/env.js';
import type { FlagControl } from '../flags/flag-control.js';
import { auditEvent } from '../flags/overrides-store.js';
import { MAX_PHASE } from '../flags/registry.js';
import type { Clock } from '../common/clock.js';
import { ApiError } from '../common/errors.js';
import { setSetting } from '../storage/settings.js';
import { evaluateGate, GATES, type Attestation, type GateReport } from './gates.js';
import type { Lease } from './lease.js';
import type { Measurements } from './measurements.js';
import type { WebhookNotifier, Notification } from './notifier.js';
import { pinPhase, releasePins, rollbackFeatures, type PhaseChange } from './phase-actions.js';
import { describeFindings, findingKey, type PlatformFinding, type PlatformMonitor } from './platform.js';
import { DEFAULT_PLATFORM_MAX_DEFER_MS, judgeFirings, type Verdicts } from './platform-rule.js';
import type { RecordingHealth, RolloutState } from './rollout-state.js';
import { addAttestation, listDecisions, type Decision, type Latch } from './state-store.js';
import { TriggerEngine, type Firing, type TriggerState } from './trigger-engine.js';
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

/** A stored decision, or one held by this replica until the database takes it (negative id). */
export type RecordedDecision = Decision & { recorded: boolean };

const LEASE_MS = 30_000;

export class RolloutController extends EventEmitter {
  readonly engine: TriggerEngine;
  readonly intervalMs: number;
  readonly gateWindowMs: number;
  // A failed evaluation is retried at the next interval; its error is already in the decision log or metrics.
  private readonly loop = new PeriodicTask({
    clock: { setTimeout: (fn, ms) => this.o.clock.setTimeout(fn, ms) },
    everyMs: () => this.intervalMs,
    run: () => this.evaluate(),
    onError: () => {},
  });
  private running: Promise<Firing[]> | null = null;
  private lastEvaluationAt: number | null = null;
  private dryRunDefault: boolean;
  private readonly maxDeferMs: number;
  /** This replica's latest decisions, for the decisions list while the database is away. */
  private readonly recent: RecordedDecision[] = [];
  /** Per trigger put down to the platform: the findings already alerted (a new kind of failure is news). */
  private readonly alerted = new Map<string, Set<string>>();

  constructor(private readonly o: RolloutOptions) {
    super();
    this.engine = new TriggerEngine(o.triggers ?? TRIGGERS, o.measurements);
    this.intervalMs = o.intervalMs ?? 15_000;
    this.gateWindowMs = o.gateWindowMs ?? 15 * 60_000;
    this.dryRunDefault = o.dryRun ?? false;
    this.maxDeferMs = o.platformMaxDeferMs ?? DEFAULT_PLATFORM_MAX_DEFER_MS;
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

  /** An audit row the database may refuse; the decision record already holds the change. */
  private async audit(kind: string, before: unknown, after: unknown, by: { actor: string; reason: string | null }): Promise<void> {
    await auditEvent(this.db, kind, before, after, { ...by, now: this.o.clock.now() }).catch((err: unknown) =>
      this.log(`rollout: audit ${kind} not recorded: ${err instanceof Error ? err.message : String(err)}`),
    );
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
    await this.audit('ROLLOUT_DRY_RUN', before, enabled, { actor: by.actor, reason: by.reason ?? null });
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
      lastEvaluationAt: this.lastEvaluationAt === null ? null : new Date(this.lastEvaluationAt).toISOString(),
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
    const decision = await this.record({
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
    if (!gate.pass) await this.audit('ROLLOUT_FORCED_ADVANCE', gate.from, gate.to, { actor: req.actor, reason });
    await this.notify({
      channel: 'deployments',
      text: `DealerScope ${this.o.env}: phase ${gate.from} → ${gate.to}${gate.pass ? '' : ' (FORCED past a failing gate)'} by ${req.actor}${reason ? `: ${reason}` : ''}`,
      fields: { decisionId: decision.id },
    });
    return { decision, gate };
  }

  private async applyAdvance(to: number, actor: string, reason: string | null): Promise<PhaseChange> {
    const released = await releasePins(this.o.control, to, { actor, reason });
    await this.o.control.setPhase(to, { actor, reason });
    await this.audit('ROLLOUT_PHASE', to - 1, to, { actor, reason });
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
      await this.audit('ROLLOUT_PHASE', eff, to, { actor: req.actor, reason });
    }
    const decision = await this.record({
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
    await this.notify({
      channel: 'deployments',
      text: `DealerScope ${this.o.env}: manual rollback of phase ${phase}${req.features?.length ? ` (features ${req.features.join(', ')})` : ` → phase ${to}`} by ${req.actor}: ${reason}`,
      fields: { decisionId: decision.id },
    });
    return decision;
  }

  async decisions(limit = 50): Promise<Decision[]> {
    return listDecisions(this.db, this.o.env, Math.min(Math.max(limit, 1), 500));
  }

  /**
   * Decisions from the database, or — while it does not answer — the ones this replica made since
   * it started (held ones with their provisional negative id), saying so: `source` and `recording`.
   */
  async decisionsOrRecent(
    limit = 50,
  ): Promise<{ decisions: RecordedDecision[]; source: 'database' | 'memory'; recording: RecordingHealth; error?: string }> {
    const n = Math.min(Math.max(limit, 1), 500);
    try {
      return {
        decisions: (await this.decisions(n)).map((d) => ({ ...d, recorded: true })),
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

  /** Re-arms latched triggers (one, or 'all'); a person's reason is required. */
  async rearm(req: ChangeRequest & { trigger: string }): Promise<{ rearmed: string[]; decision: Decision | null }> {
    const reason = req.reason?.trim() || null;
    if (!reason) throw new ApiError(400, 'reason_required', 'Re-arming a trigger needs a reason');
    if (req.trigger !== 'all' && !this.engine.triggers.some((t) => t.id === req.trigger))
      throw new ApiError(400, 'unknown_trigger', `No trigger named ${req.trigger}`);
    const rearmed = await this.o.state.removeLatches(req.trigger === 'all' ? 'all' : [req.trigger]);
    if (rearmed.length === 0) return { rearmed, decision: null };
    await this.notify({
      channel: 'deployments',
      text: `DealerScope ${this.o.env}: trigger(s) ${rearmed.join(', ')} re-armed by ${req.actor}: ${reason}`,
      fields: { triggers: rearmed },
    });
    const flags = this.o.control.view().flags;
    const decision = await this.record({
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
  async settled(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** One evaluation; concurrent callers share it. */
  evaluate(): Promise<Firing[]> {
    this.running ??= this.runEvaluation().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runEvaluation(): Promise<Firing[]> {
    const now = this.o.clock.now();
    this.o.measurements.sampleMemory(now);
    await this.o.measurements.syncFleet(
      Math.max(this.gateWindowMs, ...this.engine.triggers.flatMap((t) => t.conditions.map((c) => c.windowMs))),
    );
    const latched = new Set((await this.o.state.latches()).map((l) => l.trigger));
    const deferred = this.engine
      .snapshot()
      .filter((s) => s.platform)
      .map((s) => s.id);
    const firings = this.engine.evaluate(now, this.o.control.view().flags, latched, this.effectivePhase());
    this.lastEvaluationAt = now;
    await this.samplePlatform(now);
    // A breach that was put down to the platform and has cleared: the next one alerts afresh.
    for (const id of deferred) {
      if (this.engine.platformSince(id) !== null) continue;
      this.alerted.delete(id);
      await this.o.state.releaseClaim(`platform:${id}`);
    }
    for (const f of firings)
      this.emit('breach', {
        trigger: f.trigger.id,
        at: new Date(f.at).toISOString(),
        pendingSince: new Date(f.pendingSince).toISOString(),
        evidence: f.evidence,
      });
    if (firings.length === 0) return firings;
    if (await this.dryRun()) await this.recordDryRun(firings);
    else await this.actOrAlert(firings, now);
    return firings;
  }

  /**
   * Samples the platform at every evaluation while a latency or error trigger is pending or fired,
   * so a firing can be judged against what the platform did over its whole breach — including the
   * tail of an outage that has just been repaired but still fills the trigger's window.
   */
  private async samplePlatform(now: number): Promise<void> {
    const p = this.o.platform;
    if (!p) return;
    const watched = this.engine.triggers.filter((t) => t.conditions.some((c) => c.metric === 'p95_ms' || c.metric === 'error_rate'));
    const states = new Map(this.engine.snapshot().map((s) => [s.id, s]));
    if (!watched.some((t) => ['pending', 'fired'].includes(states.get(t.id)?.status ?? 'ok'))) return;
    // Fleet events count for a trigger's for: and window, or for a condition's warm-up (a cache
    // emptied by a Redis restart takes that long to fill again).
    const lookback = Math.max(...watched.map((t) => t.forMs + Math.max(...t.conditions.map((c) => Math.max(c.windowMs, c.warmUpMs ?? 0)))));
    await p
      .sample(now, lookback)
      .catch((err: unknown) => this.log(`rollout: platform sample failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async recordDryRun(firings: Firing[]): Promise<void> {
    const flags = this.o.control.view().flags;
    const eff = this.effectivePhase();
    for (const f of firings) {
      const to = targetPhase([f], eff);
      const decision = await this.record({
        kind: 'dry_run',
        triggers: [f.trigger.id],
        fromPhase: eff,
        toPhase: to,
        actor: 'rollout-controller',
        reason: `dry run: ${f.trigger.description}`,
        dryRun: true,
        evidence: evidenceOf([f], this.intervalMs, this.o.measurements),
        flagsBefore: flags,
        flagsAfter: flags,
      });
      await this.notify({
        channel: f.trigger.channel,
        text: `[dry run] DealerScope ${this.o.env}: ${f.trigger.description} — would roll back to phase ${to}`,
        fields: { decisionId: decision.id, trigger: f.trigger.id },
      });
    }
  }

  /**
   * The platform rule (platform.ts, platform-rule.ts): a latency or error breach that overlaps a
   * failing database, a host saturated by other work or a fleet event is not the phase's doing, so
   * an older phase would breach the same way. It is alerted once for the fleet (#alerts, decision
   * `platform_alert`), nothing is rolled back or latched, and the trigger waits another `for:` and
   * asks again: it rolls back once the breach outlives the platform findings, or regardless after
   * `platformMaxDeferMs`. Everything else is acted on as usual.
   */
  private async actOrAlert(firings: Firing[], now: number): Promise<void> {
    const v = judgeFirings(firings, this.o.platform, (id) => this.engine.platformSince(id), now, this.maxDeferMs);
    if (v.platform.length) await this.alertPlatform(v.platform, now);
    if (v.act.length)
      await this.act(
        v.act.map((a) => a.firing),
        new Map(v.act.flatMap((a) => (a.note ? [[a.firing.trigger.id, a.note] as const] : []))),
      );
  }

  private async alertPlatform(held: Verdicts['platform'], now: number): Promise<void> {
    for (const p of held) this.engine.defer(p.firing.trigger.id, now, describeFindings(p.findings));
    const fresh: Verdicts['platform'] = [];
    // One alert per breach for the whole fleet (every replica judges the same shared windows), and
    // one more when a breach already put down to the platform meets a new kind of failure.
    for (const p of held) {
      const id = p.firing.trigger.id;
      const seen = this.alerted.get(id) ?? new Set<string>();
      const news = p.findings.filter((f) => !seen.has(findingKey(f)));
      for (const f of p.findings) seen.add(findingKey(f));
      this.alerted.set(id, seen);
      if (news.length === 0) continue;
      const claim = p.continuing ? `platform:${id}:${news.map(findingKey).sort().join('|')}` : `platform:${id}`;
      if (await this.o.state.claimOnce(claim, this.maxDeferMs)) fresh.push(p);
    }
    if (fresh.length === 0) return;
    const flags = this.o.control.view().flags;
    const eff = this.effectivePhase();
    const findings = [...new Map(fresh.flatMap((p) => p.findings).map((f) => [f.reason, f])).values()];
    let decisionId = 0;
    for (const p of fresh) {
      const f = p.firing;
      const decision = await this.record({
        kind: 'platform_alert',
        triggers: [f.trigger.id],
        fromPhase: eff,
        toPhase: eff,
        actor: 'rollout-controller',
        reason: `platform (${describeFindings(p.findings)}): ${f.trigger.description}; not rolled back, an older phase needs the same platform`,
        dryRun: false,
        evidence: { ...evidenceOf([f], this.intervalMs, this.o.measurements), platform: p.findings, maxDeferMs: this.maxDeferMs },
        flagsBefore: flags,
        flagsAfter: flags,
      });
      decisionId ||= decision.id;
    }
    const forS = Math.round(Math.max(...fresh.map((p) => p.firing.trigger.forMs)) / 1000);
    await this.notify({
      channel: 'alerts',
      text: `DealerScope ${this.o.env}: PLATFORM OUTAGE — ${describeFindings(findings)}; ${fresh.map((p) => p.firing.trigger.description).join('; ')}. No rollback (phase ${eff} kept): fix the platform. Asked again every ${forS} s; rolls back if the breach outlives the platform findings, or regardless after ${Math.round(this.maxDeferMs / 60_000)} min.`,
      fields: { decisionId, trigger: fresh[0]!.firing.trigger.id, triggers: fresh.map((p) => p.firing.trigger.id) },
    });
  }

  /**
   * Acts on firings under the shared lease, so one controller acts for the whole fleet. When the
   * lease's store itself cannot answer, this replica acts alone and says so: a rollback target is
   * the same on every replica, so two controllers acting at once land on the same phase.
   */
  private async act(firings: Firing[], notes = new Map<string, string>()): Promise<void> {
    let leaseNote: string | undefined;
    const held = await this.o.lease.acquire(LEASE_MS).catch((err: unknown) => {
      leaseNote = `lease store unreachable (${err instanceof Error ? err.message : String(err)}): acted without the fleet lock`;
      this.log(`rollout: ${leaseNote}`);
      return true;
    });
    if (!held) {
      for (const f of firings) this.engine.retry(f.trigger.id);
      return;
    }
    try {
      const latched = new Set((await this.o.state.latches()).map((l) => l.trigger));
      const fresh = firings.filter((f) => !latched.has(f.trigger.id));
      for (const f of firings) this.engine.latch(f.trigger.id);
      if (fresh.length === 0) return;
      const eff = this.effectivePhase();
      const to = targetPhase(fresh, eff);
      const before = this.o.control.view().flags;
      const reason = `automatic rollback: ${fresh.map((f) => f.trigger.description + (notes.has(f.trigger.id) ? ` (${notes.get(f.trigger.id)})` : '')).join('; ')}`;
      const change = to < eff ? await pinPhase(this.o.control, to, { actor: 'rollout-controller', reason }) : { pinned: [], released: [] };
      const decision = await this.record({
        kind: 'auto_rollback',
        triggers: fresh.map((f) => f.trigger.id),
        fromPhase: eff,
        toPhase: Math.max(to, 0),
        actor: 'rollout-controller',
        reason,
        dryRun: false,
        evidence: {
          ...evidenceOf(fresh, this.intervalMs, this.o.measurements),
          pinned: change.pinned,
          unrecorded: change.unrecorded,
          lease: leaseNote,
          platformRule: notes.size ? Object.fromEntries(notes) : undefined,
          note: to < 0 ? 'already at phase 0: nothing to roll back' : undefined,
        },
        flagsBefore: before,
        flagsAfter: this.o.control.view().flags,
      });
      for (const f of fresh) await this.o.state.addLatch(f.trigger.id, decision.id, this.o.clock.now());
      for (const f of fresh) {
        const c = f.evidence.find((e) => e.breaching);
        await this.notify({
          channel: f.trigger.channel,
          text: `DealerScope ${this.o.env}: ${f.trigger.description} — ${c ? `${c.label} ${fmt(c.value)} vs ${c.op} ${c.threshold}` : 'breach'}; rolled back to phase ${Math.max(to, 0)}. Latched until re-armed.${notes.has(f.trigger.id) ? ` Platform rule: ${notes.get(f.trigger.id)}.` : ''}`,
          fields: { decisionId: decision.id, trigger: f.trigger.id },
        });
      }
      if (to < eff)
        await this.notify({
          channel: 'deployments',
          text: `DealerScope ${this.o.env}: automatic rollback phase ${eff} → ${to} (${fresh.map((f) => f.trigger.id).join(', ')})`,
          fields: { decisionId: decision.id },
        });
    } finally {
      if (!leaseNote) await this.o.lease.release().catch(() => {});
    }
  }

  private async record(d: Omit<Decision, 'id' | 'at' | 'environment'>): Promise<RecordedDecision> {
    const at = this.o.clock.now();
    const { id, recorded } = await this.o.state.insertDecision(at, d);
    const decision: RecordedDecision = { ...d, id, recorded, at: new Date(at).toISOString(), environment: this.o.env };
    if (!recorded) this.log(`rollout: ${d.kind} decision held as #${id} until the database answers (${d.reason ?? ''})`);
    this.recent.push(decision);
    if (this.recent.length > 500) this.recent.shift();
    this.emit('decision', decision);
    return decision;
  }

  /** Posts an operator-facing event (the kill switch) to its channel and the live feed. */
  announce(n: Notification): Promise<void> {
    return this.notify(n);
  }

  private async notify(n: Notification): Promise<void> {
    const result = await this.o.notifier.notify(n);
    this.emit('alert', { ...n, at: new Date(this.o.clock.now()).toISOString(), delivered: result.delivered, error: result.error });
  }
}

/** The phase the fleet returns to: each trigger reverts its own phase (capped at the current one). */
export function targetPhase(firings: Firing[], effective: number): number {
  let to = effective;
  for (const f of firings) {
    const reverted = f.trigger.rollsBack === 'current' ? effective : Math.min(effective, f.trigger.rollsBack);
    to = Math.min(to, reverted - 1);
  }
  return to;
}

function evidenceOf(firings: Firing[], intervalMs: number, m?: Measurements) {
  const windowMs = Math.max(0, ...firings.flatMap((f) => f.trigger.conditions.map((c) => c.windowMs)));
  return {
    intervalMs,
    measuredBy: m?.measuredBy(windowMs || 60_000),
    firings: firings.map((f) => ({
      trigger: f.trigger.id,
      description: f.trigger.description,
      forMs: f.trigger.forMs,
      pendingSince: new Date(f.pendingSince).toISOString(),
      firedAt: new Date(f.at).toISOString(),
      conditions: f.evidence,
    })),
  };
}

function fmt(v: number | null): string {
  if (v === null) return 'no data';
  return Math.abs(v) < 1 ? v.toFixed(4) : v.toFixed(1);
}
