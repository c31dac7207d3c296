// The dealers capability's public module: dealer profiles and keys, the workspace (identifying a
// dealer, personal numbers), saved searches, the watchlist and alerts, and the plugin that serves
// them. Other folders import this file only (npm run lint:deps counts any other import).
export type { AlertView } from './alert-log.js';
export { DealerAlerts, dealerAlertScanMs } from './alerts.js';
export { dealersMigration } from './migrations.js';
export type { Personal } from './personal.js';
export { dealersPlugin, type DealersPluginOptions } from './plugin.js';
export { ProfileError, type Dealer, type DealerProfile } from './profile.js';
export { parseSearch, SearchStore, type SavedSearch } from './searches.js';
export { DealerStore } from './store.js';
export { DEALER_ACTOR, DEALER_COOKIE, Workspace } from './workspace.js';
