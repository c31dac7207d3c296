// The notifications capability: one durable delivery path for webhooks (Slack-compatible JSON)
// and e-mail (SMTP), shared by incident escalation and dealer alerts.
export { notificationSettings, type NotificationSettings } from './config.js';
export { checkDestination, checkDestinationResolved, InvalidDestinationError, redactTarget, type Destination } from './destinations.js';
export { notificationsMigration } from './migrations.js';
export type { Delivery, OutboundMessage } from './outbox.js';
export { notificationRoutes, type NotificationRoutesOptions } from './routes.js';
export { createSenders, DeliveryError, type Sender, type Senders } from './senders.js';
export { Notifications, type BreakerLike, type NotificationDeps } from './service.js';
export type { DeliveryStatus, DestinationKind } from './tables.js';
export { notificationsPlugin, type NotificationsPluginOptions } from './plugin.js';
