// The one place that says which of today's events open and clear incidents:
//   - the rollout controller's automatic rollback opens `rollback:<trigger>`; re-arming the
//     trigger (a person decided the cause is fixed) clears it;
//   - the kill switch (EMERGENCY_ROLLBACK) turned on opens `kill_switch`; off clears it;
//   - /readyz failing on every replica for the window opens `readiness` (ReadinessWatch,
//     started by plugin.ts).
// Keep these few lines here, against narrow event
// shapes, so they can be re-pointed when the rollout controller's events change — incidents
// import nothing of rollout or flags; the composition root hands both in.
import type { Incidents, RaiseInput } from './service.js';

/** What incidents need to hear from the rollout controller: its decisions. */
export type DecisionEvent = { kind: string; triggers: string[]; fromPhase: number | null; toPhase: number | null; reason: string | null };
export interface DecisionSource {
  on(event: 'decision', fn: (d: DecisionEvent) => void): unknown;
  off(event: 'decision', fn: (d: DecisionEvent) => void): unknown;
}
/** …and from the flag service: whether the kill switch is on. */
export interface EmergencySource {
  snapshot(): { emergency: boolean };
  on(event: 'change', fn: (now: { emergency: boolean }, before: { emergency: boolean }) => void): unknown;
  off(event: 'change', fn: (now: { emergency: boolean }, before: { emergency: boolean }) => void): unknown;
}

/** Triggers whose breach dealers notice (errors, slowness, stale or missing data). */
const USER_FACING_TRIGGERS = new Set([
  'p95_latency',
  'error_rate_high',
  'error_rate_critical',
  'slo_violation',
  'rate_limit_legitimate_refusals',
  'contract_compliance_low',
  'browser_pool_failures',
]);

export function wireIncidentSources(
  incidents: Pick<Incidents, 'raise' | 'clear'>,
  src: { rollout: DecisionSource; flags: EmergencySource },
  log: (msg: string) => void,
): () => void {
  const safely = (p: Promise<unknown>) => {
    p.catch((err) => log(`incident input failed: ${err instanceof Error ? err.message : String(err)}`));
  };
  const raiseKill = () =>
    safely(
      incidents.raise({
        cause: 'kill_switch',
        title: 'Kill switch on: every v5 feature is off',
        userFacing: true,
        actor: 'flags',
        detail: 'EMERGENCY_ROLLBACK is on; dealers see v4 behaviour until it is turned off.',
      } satisfies RaiseInput),
    );
  const onDecision = (d: DecisionEvent) => {
    if (d.kind === 'auto_rollback') {
      for (const t of d.triggers) {
        safely(
          incidents.raise({
            cause: `rollback:${t}`,
            title: `Automatic rollback: trigger ${t} fired`,
            userFacing: USER_FACING_TRIGGERS.has(t),
            actor: 'rollout-controller',
            detail: `${d.reason ?? ''} (phase ${d.fromPhase ?? '?'} → ${d.toPhase ?? '?'})`.trim(),
          }),
        );
      }
    } else if (d.kind === 'rearm') {
      for (const t of d.triggers) safely(incidents.clear(`rollback:${t}`, `trigger ${t} re-armed`));
    }
  };
  const onFlags = (now: { emergency: boolean }, before: { emergency: boolean }) => {
    if (now.emergency && !before.emergency) raiseKill();
    else if (!now.emergency && before.emergency) safely(incidents.clear('kill_switch', 'kill switch turned off'));
  };
  src.rollout.on('decision', onDecision);
  src.flags.on('change', onFlags);
  // The state at start counts too: the switch may have been flipped while this replica was down.
  if (src.flags.snapshot().emergency) raiseKill();
  else safely(incidents.clear('kill_switch', 'kill switch found off'));
  return () => {
    src.rollout.off('decision', onDecision);
    src.flags.off('change', onFlags);
  };
}
