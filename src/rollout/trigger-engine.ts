// The trigger state machine: ok → pending (breaching) → fired, with `for:` semantics (the breach
// held at every evaluation since it started, so a pending breach ends at the first evaluation whose
// window is back inside the threshold), hysteresis only for a trigger that already fired (it
// re-arms once the value is back past `clearAt`), warm-up for conditions on something that has
// just started (a cold cache is not a breach), no-data resets, and latches owned by the controller.
import type { FlagValues } from '../flags/index.js';
import type { Measurements } from './measurements.js';
import type { Condition, TriggerDef } from './triggers.js';

export type TriggerStatus = 'ok' | 'pending' | 'fired' | 'latched';

export interface ConditionEvidence {
  metric: string;
  label: string;
  op: '>' | '<';
  threshold: number;
  clearAt: number;
  windowMs: number;
  minSamples: number;
  value: number | null;
  samples: number | null;
  breaching: boolean;
  /** Why a condition was not evaluated (capability off, too few samples, no data). */
  skipped?: string;
  detail?: Record<string, unknown>;
}

export interface TriggerState {
  id: string;
  description: string;
  /** From the registry: where it posts, how bad, what it watches, where the runbook says what to do. */
  channel: TriggerDef['channel'];
  severity: TriggerDef['severity'];
  alert: string;
  runbook: string;
  thresholds: Array<{ label: string; op: '>' | '<'; threshold: number; clearAt: number; windowMs: number; minSamples: number }>;
  status: TriggerStatus;
  pendingSince: number | null;
  forMs: number;
  evidence: ConditionEvidence[];
  evaluatedAt: number | null;
  /**
   * Set while the breach is put down to the platform (see platform.ts): since when, and why. The
   * trigger then waits another `for:` and asks again; it clears with the breach.
   */
  platform: { since: number; reason: string } | null;
}

export interface Firing {
  trigger: TriggerDef;
  at: number;
  pendingSince: number;
  evidence: ConditionEvidence[];
}

function beyond(op: '>' | '<', value: number, bound: number): boolean {
  return op === '>' ? value > bound : value < bound;
}

export function evaluateCondition(
  c: Condition,
  m: Measurements,
  flags: FlagValues,
  fired: boolean,
  warmingForMs: number | null = null,
): ConditionEvidence {
  const base = {
    metric: c.metric,
    label: c.label,
    op: c.op,
    threshold: c.threshold,
    clearAt: c.clearAt,
    windowMs: c.windowMs,
    minSamples: c.minSamples,
  };
  if (c.when && !c.when(flags)) return { ...base, value: null, samples: null, breaching: false, skipped: 'capability switched off' };
  const r = m.read(c.metric, c.windowMs, c.minSamples);
  if (r.value !== null && warmingForMs !== null && c.warmUpMs && warmingForMs < c.warmUpMs) {
    return {
      ...base,
      value: r.value,
      samples: r.samples,
      breaching: false,
      skipped: `warming up (${Math.round(warmingForMs / 1000)} s of ${Math.round(c.warmUpMs / 1000)} s)`,
      detail: r.detail,
    };
  }
  if (r.value === null) {
    const why = r.samples !== null && r.samples < c.minSamples ? `${r.samples} samples, fewer than ${c.minSamples}` : 'no data';
    return { ...base, value: null, samples: r.samples, breaching: false, skipped: why, detail: r.detail };
  }
  const breaching = beyond(c.op, r.value, fired ? c.clearAt : c.threshold);
  return { ...base, value: r.value, samples: r.samples, breaching, detail: r.detail };
}

export class TriggerEngine {
  private readonly states = new Map<string, TriggerState>();
  /** Since when each warm-up condition (trigger/index) has had data with its capability on. */
  private readonly activeSince = new Map<string, number>();

  constructor(
    readonly triggers: TriggerDef[],
    private readonly measurements: Measurements,
  ) {
    for (const t of triggers) {
      this.states.set(t.id, {
        id: t.id,
        description: t.description,
        channel: t.channel,
        severity: t.severity,
        alert: t.alert,
        runbook: `docs/runbook.md#${t.runbook}`,
        thresholds: t.conditions.map((c) => ({
          label: c.label,
          op: c.op,
          threshold: c.threshold,
          clearAt: c.clearAt,
          windowMs: c.windowMs,
          minSamples: c.minSamples,
        })),
        status: 'ok',
        pendingSince: null,
        forMs: t.forMs,
        evidence: [],
        evaluatedAt: null,
        platform: null,
      });
    }
  }

  /**
   * One evaluation at `now`. `latched` are the triggers a person has not re-armed yet (from the
   * shared store, so every replica agrees); they are not evaluated. Returns the triggers that fire.
   */
  evaluate(now: number, flags: FlagValues, latched: Set<string>, phase: number): Firing[] {
    const firedNow: Firing[] = [];
    for (const t of this.triggers) {
      const s = this.states.get(t.id) as TriggerState;
      if (latched.has(t.id)) {
        s.status = 'latched';
        s.pendingSince = null;
        s.platform = null;
        continue;
      }
      if (t.activeFrom !== undefined && phase < t.activeFrom) {
        s.status = 'ok';
        s.pendingSince = null;
        s.platform = null;
        s.evidence = [];
        s.evaluatedAt = now;
        continue;
      }
      if (s.status === 'latched') s.status = 'ok'; // re-armed since the last evaluation
      const fired = s.status === 'fired';
      s.evidence = t.conditions.map((c, i) =>
        evaluateCondition(c, this.measurements, flags, fired, this.warming(`${t.id}/${i}`, c, flags, now)),
      );
      s.evaluatedAt = now;
      const breaching = s.evidence.some((e) => e.breaching);
      if (!breaching) {
        s.status = 'ok';
        s.pendingSince = null;
        s.platform = null;
        continue;
      }
      if (s.status === 'fired') continue; // a dry-run firing stays quiet until the breach clears
      if (s.pendingSince === null) {
        s.pendingSince = now;
        s.status = 'pending';
      }
      if (now - s.pendingSince >= t.forMs) {
        s.status = 'fired';
        firedNow.push({ trigger: t, at: now, pendingSince: s.pendingSince, evidence: s.evidence });
      }
    }
    return firedNow;
  }

  /** How long a warm-up condition has been live (null when it has no warm-up). */
  private warming(key: string, c: Condition, flags: FlagValues, now: number): number | null {
    if (!c.warmUpMs) return null;
    const live = (!c.when || c.when(flags)) && this.measurements.read(c.metric, c.windowMs, c.minSamples).value !== null;
    if (!live) {
      this.activeSince.delete(key);
      return 0;
    }
    const since = this.activeSince.get(key) ?? now;
    this.activeSince.set(key, since);
    return now - since;
  }

  /** Marks a fired trigger latched at once (before the shared store is read again). */
  latch(id: string): void {
    const s = this.states.get(id);
    if (s) {
      s.status = 'latched';
      s.pendingSince = null;
      s.platform = null;
    }
  }

  /**
   * The firing was put down to the platform: the trigger goes back to pending from `now`, so it
   * fires again only after another full `for:` of breach, when the controller asks again.
   */
  defer(id: string, now: number, reason: string): void {
    const s = this.states.get(id);
    if (!s) return;
    s.status = 'pending';
    s.pendingSince = now;
    s.platform = { since: s.platform?.since ?? now, reason };
  }

  /** Since when a trigger's breach has been put down to the platform (null: it is not). */
  platformSince(id: string): number | null {
    return this.states.get(id)?.platform?.since ?? null;
  }

  /** Another controller held the lease: stay pending so the next evaluation tries again. */
  retry(id: string): void {
    const s = this.states.get(id);
    if (s && s.status === 'fired') s.status = 'pending';
  }

  snapshot(): TriggerState[] {
    return this.triggers.map((t) => ({ ...(this.states.get(t.id) as TriggerState) }));
  }
}
