// Wires the SRE console to the services it shows: security's session and CSRF guards, the flag
// control plane (persisted, audited, propagated) and the rollout controller.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../common/app-context.js';
import { csrfToken, protectForm, requireConsole, watchSession } from '../security/index.js';
import { controlFlagPort, controllerPort } from './ports.js';
import { consoleRoutes } from './routes.js';

export { layout } from './html.js';

export async function installConsole(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(consoleRoutes, {
    ctx,
    obs: app.observability,
    auth: { requireConsole, protectForm, csrfToken, watchSession },
    flags: controlFlagPort(ctx.flagControl),
    rollout: controllerPort(ctx.rollout),
  });
}
