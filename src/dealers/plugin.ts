// The dealer workspace's API as a Fastify plugin: dealer profiles (admin and self-service), saved
// searches, the watchlist and the alert history, and the alert pass (alerts.ts), which in serving
// processes runs from onReady to onClose. It decorates the root with `dealerAlerts` (hence
// fastify-plugin): incident escalation reaches dealers with alerts through its directory. The
// Workspace itself (identification, personal numbers) is a context member because the opportunity
// routes and the dealer pages read it too; it is handed in, not built here.
import fp from 'fastify-plugin';
import type { Notifications } from '../notifications/index.js';
import { DealerAlerts, dealerAlertScanMs } from './alerts.js';
import { alertRoutes, dealerRoutes, type DealerRouteDeps } from './routes.js';
import type { Workspace } from './workspace.js';

declare module 'fastify' {
  interface FastifyInstance {
    dealerAlerts: DealerAlerts;
  }
}

export interface DealersPluginOptions {
  ctx: DealerRouteDeps;
  workspace: Workspace;
  /** The shared delivery path (the notifications plugin's). */
  notifications: Notifications;
  /** Run the alert pass (serving processes). */
  background: boolean;
}

export const dealersPlugin = fp<DealersPluginOptions>(
  async (app, { ctx, workspace, notifications, background }) => {
    const alerts = new DealerAlerts({
      db: ctx.db,
      clock: ctx.clock,
      workspace,
      notifications,
      emailConfigured: notifications.settings.smtpUrl !== null,
      scanMs: dealerAlertScanMs(ctx.config.raw),
      log: (msg) => app.log.warn(msg),
    });
    app.decorate('dealerAlerts', alerts);
    await app.register(dealerRoutes, { ctx, workspace });
    await app.register(alertRoutes, {
      ctx,
      workspace,
      alerts,
      allowPrivate: notifications.settings.allowPrivate,
      emailConfigured: notifications.settings.smtpUrl !== null,
    });
    if (!background) return;
    app.addHook('onReady', async () => alerts.start());
    app.addHook('onClose', async () => alerts.stop());
  },
  { name: 'dealers', dependencies: ['notifications'] },
);
