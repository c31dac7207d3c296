// What the console needs from other capabilities, as narrow interfaces: the console renders and
// forwards, the owning services decide. Adapters to the real services are built at wiring time.
import type { FlagService } from '../flags/flag-service.js';
import type { FlagName, FlagValue } from '../flags/registry.js';

export interface ChangeBy {
  actor: string;
  reason: string;
}

export interface ConsoleFlagPort {
  set(name: FlagName, value: FlagValue, by: ChangeBy): Promise<void>;
}

export type RolloutEventKind = 'decision' | 'breach' | 'alert';

export interface ConsoleRolloutPort {
  status(): Promise<unknown>;
  gate(): Promise<unknown>;
  advance(by: ChangeBy): Promise<unknown>;
  rollback(by: ChangeBy): Promise<unknown>;
  decisions(limit: number): Promise<unknown[]>;
  onEvent(fn: (kind: RolloutEventKind, payload: unknown) => void): () => void;
}

/** Session and CSRF handling from the security capability. */
export interface ConsoleAuth {
  /** preHandler: an authenticated console session, else a redirect to /console/login. */
  requireConsole: (...args: never[]) => unknown;
  /** preHandler: rejects a state-changing form without a valid `_csrf`. */
  protectForm: (...args: never[]) => unknown;
  csrfToken(request: unknown): string;
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
  };
}
