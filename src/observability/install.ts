// Attaches observability to an assembled app: the SLO window over the HTTP histogram, the alert
// feed and SLO watch (started with the server, stopped with it), service metrics, Sentry
// reporting of 5xx errors, and the bridge from rollout events to alerts.
import type { FastifyInstance } from 'fastify';
import { AlertFeed } from './alert-feed.js';
import { initErrorReporting, reportServerErrors, type ErrorReporter } from './error-reporting.js';
import { HttpWindow } from './http-window.js';
import { HTTP_BUCKETS } from './metrics.js';
import { bridgeRolloutAlerts, type RolloutEvents } from './rollout-alerts.js';
import { registerServiceMetrics, type ServiceMetrics } from './service-metrics.js';
import { readSloTiles, type SloTile, type TileSources } from './slo-tiles.js';
import { SloWatch } from './slo-watch.js';
import type { Clock } from '../common/clock.js';
import type { ServiceConfig } from '../config/index.js';
import type { FlagControl, FlagService } from '../flags/index.js';
import type { Metrics } from './metrics.js';
import type { Signals } from './signals.js';

export interface Observability {
  http: HttpWindow;
  alerts: AlertFeed;
  sloWatch: SloWatch;
  service: ServiceMetrics;
  errors: ErrorReporter | null;
  tiles(): Promise<SloTile[]>;
}

declare module 'fastify' {
  interface FastifyInstance {
    observability: Observability;
  }
}

/** The parts of the context observability reads: metrics and signals, the clock, flags and their control plane, the rollout, the error-reporting settings. */
export interface ObservabilityDeps {
  metrics: Metrics;
  signals: Signals;
  clock: Clock;
  flags: FlagService;
  flagControl: FlagControl;
  /** The rollout controller's events (rollout/ emits them; this folder only listens). */
  rollout: RolloutEvents;
  config: ServiceConfig;
}

export function installObservability(app: FastifyInstance, ctx: ObservabilityDeps): Observability {
  const http = new HttpWindow(ctx.metrics.httpDuration, HTTP_BUCKETS, ctx.clock);
  const alerts = new AlertFeed(ctx.clock, ctx.metrics.registry);
  const sources: TileSources = { http, signals: ctx.signals, flags: ctx.flags };
  const sloWatch = new SloWatch(sources, alerts, ctx.clock);
  const service = registerServiceMetrics(ctx.metrics.registry, ctx.signals);
  const errors = initErrorReporting(ctx.config.sentryDsn, ctx.config.env);
  if (errors) reportServerErrors(app, errors);

  // The rollout controller announces its breaches, decisions and notifications.
  const unbridgeRollout = bridgeRolloutAlerts(ctx.rollout, alerts);
  // A phase change made on another replica reaches this one through the flag channel (or its
  // poll); its live feed says so too, so every console shows a rollback, not only the actor's.
  const onApplied = (e: {
    via: string;
    before: { phase: number | null; emergency: boolean };
    after: { phase: number | null; emergency: boolean };
  }) => {
    if (e.via === 'local' || e.via === 'start' || (e.before.phase === e.after.phase && e.before.emergency === e.after.emergency)) return;
    const rolledBack = e.before.phase !== null && e.after.phase !== null && e.after.phase < e.before.phase;
    alerts.publish({
      severity: rolledBack || e.after.emergency ? 'critical' : 'info',
      channel: 'deployments',
      source: 'rollout',
      title:
        e.before.phase !== e.after.phase
          ? `Phase ${e.before.phase ?? 'none'} → ${e.after.phase ?? 'none'} (set on another replica)`
          : `Kill switch ${e.after.emergency ? 'on' : 'off'} (set on another replica)`,
      detail: `applied here via ${e.via}`,
    });
  };
  ctx.flagControl.on('applied', onApplied);
  const unbridge = () => {
    unbridgeRollout();
    ctx.flagControl.off('applied', onApplied);
  };

  app.addHook('onReady', async () => {
    http.start();
    sloWatch.start();
  });
  app.addHook('onClose', async () => {
    sloWatch.stop();
    http.stop();
    unbridge();
    await errors?.flush(2000);
  });
  const obs: Observability = { http, alerts, sloWatch, service, errors, tiles: () => readSloTiles(sources) };
  app.decorate('observability', obs);
  return obs;
}
