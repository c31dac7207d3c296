// Wires the SRE console to the services it shows: security's session and CSRF guards, the flag
// control plane (persisted, audited, propagated) and the rollout controller.
import type { FastifyInstance } from 'fastify';
import type { Canary } from '../rollout/index.js';
import { csrfToken, protectForm, requireConsole, watchSession } from '../security/index.js';
import { controlFlagPort, controllerPort } from './ports.js';
import { consoleRoutes } from './routes.js';
import type { FlagControl, FlagService } from '../flags/index.js';
import type { RolloutController } from '../rollout/index.js';

export { layout } from './html.js';

export interface ConsoleDeps {
  /** The flags in force on this replica. */
  flags: FlagService;
  /** The control plane that changes them (and announces each phase change). */
  flagControl: FlagControl;
  rollout: RolloutController;
  canary: Canary | null;
}

export async function installConsole(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  await app.register(consoleRoutes, {
    current: deps.flags,
    phases: deps.flagControl,
    canary: deps.canary,
    obs: app.observability,
    auth: { requireConsole, protectForm, csrfToken, watchSession },
    flags: controlFlagPort(deps.flagControl),
    rollout: controllerPort(deps.rollout),
  });
}
