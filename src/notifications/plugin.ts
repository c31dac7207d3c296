// The notifications capability as a Fastify plugin: builds the one delivery path of the process
// (outbox worker behind the shared circuit breakers, one per webhook host and one for the SMTP
// relay), registers its admin routes and, in serving processes, runs the worker from onReady to
// onClose. It decorates the root with `notifications` (hence fastify-plugin) because incident
// escalation and dealer alerts enqueue through the same outbox.
import type { preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type client from 'prom-client';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { notificationSettings } from './config.js';
import { notificationRoutes } from './routes.js';
import { Notifications, type BreakerLike } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    notifications: Notifications;
  }
}

export interface NotificationsPluginOptions {
  db: Db;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  registry: client.Registry;
  /** The process's circuit breakers by name. */
  breakers: { get(name: string, opts?: { consecutiveFailures?: number }): BreakerLike };
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
  /** Run the delivery worker (serving processes). */
  background: boolean;
}

export const notificationsPlugin = fp<NotificationsPluginOptions>(
  async (app, opts) => {
    const notifications = new Notifications({
      db: opts.db,
      clock: opts.clock,
      settings: notificationSettings(opts.env),
      registry: opts.registry,
      log: (msg) => app.log.warn(msg),
      // Alert traffic is far below a sampling breaker's minimum rate: both kinds open on consecutive failures.
      breakerFor: (name) => opts.breakers.get(name, name.startsWith('smtp:') ? { consecutiveFailures: 5 } : {}),
    });
    app.decorate('notifications', notifications);
    await app.register(notificationRoutes, { notifications, admin: opts.admin });
    if (!opts.background) return;
    app.addHook('onReady', async () => notifications.start());
    app.addHook('onClose', async () => notifications.stop());
  },
  { name: 'notifications' },
);
