// Wires the SRE console to the services it shows: security's session and CSRF guards, the flag
// control plane (persisted, audited, propagated) and the rollout controller.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../common/app-context.js';
import type { Canary } from '../rollout/index.js';
import { csrfToken, protectForm, requireConsole, watchSession } from '../security/index.js';
import { controlFlagPort, controllerPort } from './ports.js';
import { consoleRoutes } from './routes.js';

export { layout } from './html.js';

export interface ConsoleDeps {
  /** The flags in force on this replica. */
  flags: AppContext['flags'];
  /** The control plane that changes them (and announces each phase change). */
  flagControl: AppContext['flagControl'];
  rollout: AppContext['rollout'];
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
