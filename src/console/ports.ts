// What the console needs from other capabilities, as narrow interfaces: the console renders and
// forwards, the owning services decide. Adapters to the real services are built at wiring time.
import type { AuditEntry, FlagControl, FlagName, FlagService, OverrideValue } from '../flags/index.js';
import type { Decision, GateReport, RolloutController, RolloutStatus } from '../rollout/index.js';

export interface ChangeBy {
  actor: string;
  reason: string;
}

export interface ConsoleFlagPort {
  set(name: FlagName, value: OverrideValue, by: ChangeBy): Promise<void>;
  /** The newest flag changes with who and why (empty where changes are not audited). */
  changes(limit: number): Promise<AuditEntry[]>;
}

export interface ConsoleRolloutPort {
  status(): Promise<RolloutStatus>;
  gate(): Promise<GateReport>;
  advance(by: ChangeBy & { force?: boolean }): Promise<unknown>;
  rollback(by: ChangeBy): Promise<unknown>;
  rearm(trigger: string, by: ChangeBy): Promise<unknown>;
  decisions(limit: number): Promise<Decision[]>;
}

/**
 * Without the rollout capability's persisted, propagated overrides a toggle still applies to
 * this process through the runtime-override layer of the flag service.
 */
export function localFlagPort(flags: FlagService): ConsoleFlagPort {
  return {
    async set(name, value) {
      flags.setOverrides({ ...flags.getOverrides(), [name]: value });
    },
    changes: async () => [],
  };
}

/** Persisted, audited and propagated to every replica through the flag control plane. */
export function controlFlagPort(control: FlagControl): ConsoleFlagPort {
  return {
    async set(name, value, by) {
      await control.setOverrides({ [name]: value }, by);
    },
    changes: (limit) => control.audit(limit),
  };
}

export function controllerPort(rollout: RolloutController): ConsoleRolloutPort {
  return {
    status: () => rollout.status(),
    gate: () => rollout.gate(),
    advance: (by) => rollout.advance(by),
    rollback: (by) => rollout.rollback(by),
    rearm: (trigger, by) => rollout.rearm({ ...by, trigger }),
    decisions: (limit) => rollout.decisions(limit),
  };
}
