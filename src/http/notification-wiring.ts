// The delivery path of the HTTP service: outbox worker with the shared circuit breakers (one per
// webhook host, one for the SMTP relay) and the service's metrics registry.
import { notificationSettings, Notifications } from '../notifications/index.js';
import type { AppContext } from './context.js';

export { notificationRoutes } from '../notifications/index.js';

export function notifications(ctx: Pick<AppContext, 'db' | 'clock' | 'config' | 'breakers' | 'metrics'>, log: (msg: string) => void): Notifications {
  return new Notifications({
    db: ctx.db, clock: ctx.clock, settings: notificationSettings(ctx.config.raw), registry: ctx.metrics.registry, log,
    // Alert traffic is far below a sampling breaker's minimum rate: both kinds open on consecutive failures.
    breakerFor: (name) => ctx.breakers.get(name, name.startsWith('smtp:') ? { consecutiveFailures: 5 } : {}),
  });
}
