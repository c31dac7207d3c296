// The trigger loop: every interval it reads the measurements, lets the trigger engine judge them
// and acts on what fires — a dry-run record, a platform alert (platform-rule.ts) or an automatic
// rollback under the fleet lease, latched until a person re-arms it. The controller owns the loop;
// this is its automatic half, the manual half (advance, rollback, re-arm) stays in controller.ts.
import { PeriodicTask } from '../common/periodic-task.js';
import type { RolloutOptions } from './controller.js';
import type { Measurements } from './measurements.js';
import type { DecisionRecorder } from './decision-recorder.js';
import { pinPhase } from './phase-actions.js';
import { describeFindings, findingKey } from './platform.js';
import { judgeFirings, type Verdicts } from './platform-rule.js';
import type { Firing, TriggerEngine } from './trigger-engine.js';

export interface TriggerLoopOptions extends Pick<RolloutOptions, 'env' | 'clock' | 'control' | 'measurements' | 'lease' | 'state'> {
  platform: NonNullable<RolloutOptions['platform']> | null;
  engine: TriggerEngine;
  recorder: DecisionRecorder;
  intervalMs: number;
  gateWindowMs: number;
  maxDeferMs: number;
  effectivePhase: () => number;
  /** The persisted dry-run switch, read at each firing. */
  dryRun: () => Promise<boolean>;
  emit: (event: 'breach', payload: unknown) => void;
  log: (msg: string) => void;
}

const LEASE_MS = 30_000;

export class TriggerLoop {
  // A failed evaluation is retried at the next interval; its error is already in the decision log or metrics.
  private readonly task = new PeriodicTask({
    clock: { setTimeout: (fn, ms) => this.o.clock.setTimeout(fn, ms) },
    everyMs: () => this.o.intervalMs,
    run: () => this.evaluate(),
    onError: () => {},
  });
  private running: Promise<Firing[]> | null = null;
  lastEvaluationAt: number | null = null;
  /** Per trigger put down to the platform: the findings already alerted (a new kind of failure is news). */
  private readonly alerted = new Map<string, Set<string>>();

  constructor(private readonly o: TriggerLoopOptions) {}

  start(): void {
    this.task.start();
  }

  stop(): void {
    void this.task.stop();
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
      Math.max(this.o.gateWindowMs, ...this.o.engine.triggers.flatMap((t) => t.conditions.map((c) => c.windowMs))),
    );
    const latched = new Set((await this.o.state.latches()).map((l) => l.trigger));
    const deferred = this.o.engine
      .snapshot()
      .filter((s) => s.platform)
      .map((s) => s.id);
    const firings = this.o.engine.evaluate(now, this.o.control.view().flags, latched, this.o.effectivePhase());
    this.lastEvaluationAt = now;
    await this.samplePlatform(now);
    // A breach that was put down to the platform and has cleared: the next one alerts afresh.
    for (const id of deferred) {
      if (this.o.engine.platformSince(id) !== null) continue;
      this.alerted.delete(id);
      await this.o.state.releaseClaim(`platform:${id}`);
    }
    for (const f of firings)
      this.o.emit('breach', {
        trigger: f.trigger.id,
        at: new Date(f.at).toISOString(),
        pendingSince: new Date(f.pendingSince).toISOString(),
        evidence: f.evidence,
      });
    if (firings.length === 0) return firings;
    if (await this.o.dryRun()) await this.recordDryRun(firings);
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
    const watched = this.o.engine.triggers.filter((t) => t.conditions.some((c) => c.metric === 'p95_ms' || c.metric === 'error_rate'));
    const states = new Map(this.o.engine.snapshot().map((s) => [s.id, s]));
    if (!watched.some((t) => ['pending', 'fired'].includes(states.get(t.id)?.status ?? 'ok'))) return;
    // Fleet events count for a trigger's for: and window, or for a condition's warm-up (a cache
    // emptied by a Redis restart takes that long to fill again).
    const lookback = Math.max(...watched.map((t) => t.forMs + Math.max(...t.conditions.map((c) => Math.max(c.windowMs, c.warmUpMs ?? 0)))));
    await p
      .sample(now, lookback)
      .catch((err: unknown) => this.o.log(`rollout: platform sample failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async recordDryRun(firings: Firing[]): Promise<void> {
    const flags = this.o.control.view().flags;
    const eff = this.o.effectivePhase();
    for (const f of firings) {
      const to = targetPhase([f], eff);
      const decision = await this.o.recorder.record({
        kind: 'dry_run',
        triggers: [f.trigger.id],
        fromPhase: eff,
        toPhase: to,
        actor: 'rollout-controller',
        reason: `dry run: ${f.trigger.description}`,
        dryRun: true,
        evidence: evidenceOf([f], this.o.intervalMs, this.o.measurements),
        flagsBefore: flags,
        flagsAfter: flags,
      });
      await this.o.recorder.notify({
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
    const v = judgeFirings(firings, this.o.platform, (id) => this.o.engine.platformSince(id), now, this.o.maxDeferMs);
    if (v.platform.length) await this.alertPlatform(v.platform, now);
    if (v.act.length)
      await this.act(
        v.act.map((a) => a.firing),
        new Map(v.act.flatMap((a) => (a.note ? [[a.firing.trigger.id, a.note] as const] : []))),
      );
  }

  private async alertPlatform(held: Verdicts['platform'], now: number): Promise<void> {
    for (const p of held) this.o.engine.defer(p.firing.trigger.id, now, describeFindings(p.findings));
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
      if (await this.o.state.claimOnce(claim, this.o.maxDeferMs)) fresh.push(p);
    }
    if (fresh.length === 0) return;
    const flags = this.o.control.view().flags;
    const eff = this.o.effectivePhase();
    const findings = [...new Map(fresh.flatMap((p) => p.findings).map((f) => [f.reason, f])).values()];
    let decisionId = 0;
    for (const p of fresh) {
      const f = p.firing;
      const decision = await this.o.recorder.record({
        kind: 'platform_alert',
        triggers: [f.trigger.id],
        fromPhase: eff,
        toPhase: eff,
        actor: 'rollout-controller',
        reason: `platform (${describeFindings(p.findings)}): ${f.trigger.description}; not rolled back, an older phase needs the same platform`,
        dryRun: false,
        evidence: { ...evidenceOf([f], this.o.intervalMs, this.o.measurements), platform: p.findings, maxDeferMs: this.o.maxDeferMs },
        flagsBefore: flags,
        flagsAfter: flags,
      });
      decisionId ||= decision.id;
    }
    const forS = Math.round(Math.max(...fresh.map((p) => p.firing.trigger.forMs)) / 1000);
    await this.o.recorder.notify({
      channel: 'alerts',
      text: `DealerScope ${this.o.env}: PLATFORM OUTAGE — ${describeFindings(findings)}; ${fresh.map((p) => p.firing.trigger.description).join('; ')}. No rollback (phase ${eff} kept): fix the platform. Asked again every ${forS} s; rolls back if the breach outlives the platform findings, or regardless after ${Math.round(this.o.maxDeferMs / 60_000)} min.`,
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
      this.o.log(`rollout: ${leaseNote}`);
      return true;
    });
    if (!held) {
      for (const f of firings) this.o.engine.retry(f.trigger.id);
      return;
    }
    try {
      const latched = new Set((await this.o.state.latches()).map((l) => l.trigger));
      const fresh = firings.filter((f) => !latched.has(f.trigger.id));
      for (const f of firings) this.o.engine.latch(f.trigger.id);
      if (fresh.length === 0) return;
      const eff = this.o.effectivePhase();
      const to = targetPhase(fresh, eff);
      const before = this.o.control.view().flags;
      const reason = `automatic rollback: ${fresh.map((f) => f.trigger.description + (notes.has(f.trigger.id) ? ` (${notes.get(f.trigger.id)})` : '')).join('; ')}`;
      // At phase 0 there is no earlier phase: the breach is recorded, alerted and latched, and no phase moves.
      const rollsBack = to >= 0 && to < eff;
      const change = rollsBack ? await pinPhase(this.o.control, to, { actor: 'rollout-controller', reason }) : { pinned: [], released: [] };
      const decision = await this.o.recorder.record({
        kind: 'auto_rollback',
        triggers: fresh.map((f) => f.trigger.id),
        fromPhase: eff,
        toPhase: rollsBack ? to : eff,
        actor: 'rollout-controller',
        reason,
        dryRun: false,
        evidence: {
          ...evidenceOf(fresh, this.o.intervalMs, this.o.measurements),
          pinned: change.pinned,
          unrecorded: change.unrecorded,
          lease: leaseNote,
          platformRule: notes.size ? Object.fromEntries(notes) : undefined,
          note: rollsBack ? undefined : `already at phase ${eff}: nothing to roll back`,
        },
        flagsBefore: before,
        flagsAfter: this.o.control.view().flags,
      });
      for (const f of fresh) await this.o.state.addLatch(f.trigger.id, decision.id, this.o.clock.now());
      for (const f of fresh) {
        const c = f.evidence.find((e) => e.breaching);
        await this.o.recorder.notify({
          channel: f.trigger.channel,
          text: `DealerScope ${this.o.env}: ${f.trigger.description} — ${c ? `${c.label} ${fmt(c.value)} vs ${c.op} ${c.threshold}` : 'breach'}; ${rollsBack ? `rolled back to phase ${to}` : `already at phase ${eff}: nothing to roll back`}. Latched until re-armed.${notes.has(f.trigger.id) ? ` Platform rule: ${notes.get(f.trigger.id)}.` : ''}`,
          fields: { decisionId: decision.id, trigger: f.trigger.id },
        });
      }
      if (rollsBack)
        await this.o.recorder.notify({
          channel: 'deployments',
          text: `DealerScope ${this.o.env}: automatic rollback phase ${eff} → ${to} (${fresh.map((f) => f.trigger.id).join(', ')})`,
          fields: { decisionId: decision.id },
        });
    } finally {
      if (!leaseNote) await this.o.lease.release().catch(() => {});
    }
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
