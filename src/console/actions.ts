// What each dangerous console action is about to do, in the words its confirmation page shows.
// The sentences name what changes for the fleet, so the person confirming reads the consequence,
// not the button they pressed.
import { type FlagName, FLAGS, type FlagSnapshot, type OverrideValue } from '../flags/index.js';
import type { GateReport } from '../rollout/index.js';
import type { DangerousAction } from './confirm.js';

const PROPAGATES = 'Persisted, audited and in force on every replica within about a second.';

function shown(v: unknown): string {
  if (v && typeof v === 'object' && 'percentage' in v) return `${(v as { percentage: number }).percentage} % of clients`;
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v);
}

export function flagAction(name: FlagName, raw: string, value: OverrideValue, snap: FlagSnapshot): DangerousAction {
  const current = snap.percentages[name] ?? snap.flags[name];
  const base = {
    action: '/console/flags',
    fields: { name, value: raw },
    phrase: name,
    back: '/console#flags',
    recordedIn:
      name === 'EMERGENCY_ROLLBACK'
        ? "the audit log, the console's deployments notice and the alerts and deployments webhooks"
        : "the audit log and the console's deployments notice",
  };
  if (name === 'EMERGENCY_ROLLBACK') {
    return value === true
      ? {
          ...base,
          verb: 'Turn the kill switch on',
          summary: 'turn EMERGENCY_ROLLBACK on (the kill switch)',
          effects: [
            'Every v5 feature is forced off on every replica at once; the API answers as v4.',
            'The alerts and deployments channels are told.',
            PROPAGATES,
          ],
        }
      : {
          ...base,
          verb: 'Release the kill switch',
          summary: 'turn EMERGENCY_ROLLBACK off (release the kill switch)',
          effects: [
            "The phase's flags are back in force on every replica, v5 features included.",
            'The alerts and deployments channels are told.',
            PROPAGATES,
          ],
        };
  }
  const def = FLAGS[name];
  const verb = typeof value === 'boolean' ? (value ? 'on' : 'off') : `to ${shown(value)}`;
  const summary =
    typeof value === 'object'
      ? `serve ${name} to ${value.percentage} % of clients (now ${shown(current)})`
      : `turn ${name} ${verb} (now ${shown(current)})`;
  const effects = [`${name}: ${def.description}`];
  if (typeof value === 'object')
    effects.push('Each client stays in its cohort (by API key, else IP); the canary analysis compares the two cohorts.');
  if (snap.emergency && def.v5) effects.push('The kill switch is on: it keeps this v5 flag off until it is released.');
  effects.push(PROPAGATES);
  return { ...base, verb: `Set ${name}`, summary, effects };
}

export function advanceAction(gate: GateReport | null, force: boolean): DangerousAction {
  const to = gate ? gate.to : null;
  const where = gate && to !== 'complete' ? `from phase ${gate.from} to phase ${to}` : 'to the next phase';
  const effects = [
    gate
      ? gate.pass
        ? 'The gate passes now.'
        : `The gate does not pass now (${gate.criteria
            .filter((c) => !c.pass)
            .map((c) => c.label)
            .join('; ')}).`
      : 'The gate could not be read.',
    force
      ? 'Forced: the advance goes ahead even though the gate fails; the forcing is audited.'
      : 'Not forced: the controller refuses if the gate fails when you confirm.',
    'Every flag of the new phase turns on, on every replica; the deployments channel is told.',
  ];
  return {
    recordedIn: 'the decision record, the audit log and the deployments webhook',
    action: '/console/rollout/advance',
    fields: force ? { force: 'yes' } : {},
    phrase: 'advance',
    back: '/console#rollout',
    verb: force ? 'Force the advance' : 'Advance',
    summary: `${force ? 'FORCE the rollout' : 'advance the rollout'} ${where}`,
    effects,
  };
}

export function rollbackAction(effectivePhase: number | null): DangerousAction {
  const where =
    effectivePhase === null ? 'the current phase' : `phase ${effectivePhase} (back to phase ${Math.max(effectivePhase - 1, 0)})`;
  return {
    recordedIn: 'the decision record, the audit log and the deployments webhook',
    action: '/console/rollout/rollback',
    fields: {},
    phrase: 'rollback',
    back: '/console#rollout',
    verb: 'Roll back',
    summary: `roll back ${where}`,
    effects: [
      "Every flag of this phase and later goes back to the previous phase's value on every replica; overrides that would keep one on are pinned.",
      'A decision record is written and the deployments channel is told.',
    ],
  };
}

export function rearmAction(trigger: string): DangerousAction {
  return {
    recordedIn: 'the decision record and the deployments webhook',
    action: '/console/rollout/rearm',
    fields: { trigger },
    phrase: trigger,
    back: '/console#triggers',
    verb: 'Re-arm',
    summary: `re-arm the latched trigger ${trigger}`,
    effects: [
      'The trigger can fire again and roll back on its own; its latch no longer blocks an advance.',
      'A decision record is written and the deployments channel is told.',
    ],
  };
}
