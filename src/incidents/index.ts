// The incidents capability: opening incidents from critical events, escalating them on the
// communication plan's timeline, acknowledging and resolving them, and the public status.
export { AUDIENCES, incidentSettings, parseSteps, type Audience, type IncidentSettings } from './config.js';
export type { ConsoleAuth } from './console.js';
export { incidentsMigration } from './migrations.js';
export { READINESS_CAUSE, ReadinessWatch, type ReadinessWatchDeps } from './readiness-watch.js';
export { incidentRoutes, type IncidentRoutesOptions } from './routes.js';
export { noDealers, type DealerDirectory } from './escalation.js';
export { IncidentNotFound, Incidents, type IncidentDeps, type RaiseInput } from './service.js';
export type { IncidentView, PublicStatus, TimelineEntry } from './views.js';
export { incidentsPlugin, type IncidentsPluginOptions } from './plugin.js';
export { wireIncidentSources, type DecisionEvent, type DecisionSource, type EmergencySource } from './sources.js';
