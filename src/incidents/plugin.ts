// The incidents capability as a Fastify plugin: builds the Incidents service from narrow
// dependencies, registers /api/status, the admin API and the console page, and in serving
// processes runs escalation, the readiness watch and the event sources (sources.ts) from onReady
// to onClose. It decorates the root with `incidents` (hence fastify-plugin): the dealer pages
// show the public notices. Rollout decisions, the kill switch, the console's page frame and
// readiness arrive as options, so this folder imports none of those capabilities.
import type { preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type client from 'prom-client';
import type { Clock } from '../common/clock.js';
import type { Readiness } from '../common/readiness.js';
import type { Notifications } from '../notifications/index.js';
import type { Db } from '../storage/index.js';
import { incidentSettings } from './config.js';
import type { ConsoleAuth } from './console.js';
import { ReadinessWatch } from './readiness-watch.js';
import { incidentRoutes } from './routes.js';
import { noDealers, type DealerDirectory } from './escalation.js';
import { Incidents } from './service.js';
import { wireIncidentSources, type DecisionSource, type EmergencySource } from './sources.js';

declare module 'fastify' {
  interface FastifyInstance {
    incidents: Incidents;
  }
}

export interface IncidentsPluginOptions {
  db: Db;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  registry: client.Registry;
  /** The shared delivery path (the notifications plugin's). */
  notifications: Notifications;
  /** The dealer workspace's directory of dealers with alerts. */
  dealers?: DealerDirectory;
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
  /** The console's session and CSRF guards and its page frame (title, body HTML) → document. */
  console: ConsoleAuth;
  page: (title: string, body: string) => string;
  /** This replica's readiness, watched for a fleet-wide outage. */
  readiness: Pick<Readiness, 'report'>;
  /** The rollout controller's decisions and the flag service's kill switch. */
  rollout: DecisionSource;
  flags: EmergencySource;
  /** Run escalation, the readiness watch and the event sources (serving processes). */
  background: boolean;
}

export const incidentsPlugin = fp<IncidentsPluginOptions>(
  async (app, opts) => {
    const log = (msg: string) => app.log.warn(msg);
    const { notifications } = opts;
    const incidents = new Incidents({
      db: opts.db,
      clock: opts.clock,
      settings: incidentSettings(opts.env, notifications.settings.allowPrivate),
      notifications,
      dealers: opts.dealers ?? noDealers,
      registry: opts.registry,
      log,
    });
    app.decorate('incidents', incidents);
    await app.register(incidentRoutes, { incidents, admin: opts.admin, console: opts.console, page: opts.page });
    if (!opts.background) return;
    const s = incidents.settings;
    const watch = new ReadinessWatch({
      db: opts.db,
      clock: opts.clock,
      replicaId: incidents.replicaId,
      intervalMs: s.readinessIntervalMs,
      windowMs: s.readinessWindowMs,
      report: async () => {
        const r = await opts.readiness.report();
        const down = Object.entries(r.components)
          .filter(([, c]) => c.status === 'down')
          .map(([n, c]) => `${n}: ${typeof c.detail === 'string' ? c.detail : 'down'}`);
        return { ready: r.ready, detail: down.join(', ') };
      },
      raise: (i) => incidents.raise(i),
      clear: (c, why) => incidents.clear(c, why),
      log,
    });
    let unwire = () => {};
    app.addHook('onReady', async () => {
      incidents.start();
      watch.start();
      unwire = wireIncidentSources(incidents, { rollout: opts.rollout, flags: opts.flags }, log);
    });
    app.addHook('onClose', async () => {
      unwire();
      await watch.stop();
      await incidents.stop();
    });
  },
  { name: 'incidents', dependencies: ['notifications'] },
);
