// Composition of incidents and notifications for the HTTP service, and the one place that says
// which of today's events open and clear incidents:
//   - the rollout controller's automatic rollback opens `rollback:<trigger>`; re-arming the
//     trigger (a person decided the cause is fixed) clears it;
//   - the kill switch (EMERGENCY_ROLLBACK) turned on opens `kill_switch`; off clears it;
//   - /readyz failing on every replica for the window opens `readiness` (ReadinessWatch).
// Keep these few lines here, against narrow event shapes, so they can be re-pointed when the
// rollout controller's events change.
import type { FastifyInstance } from 'fastify';
import { layout } from '../console/html.js';
import { incidentSettings, Incidents, noDealers, ReadinessWatch, type DealerDirectory, type RaiseInput } from '../incidents/index.js';
import { notificationRoutes, notifications as notificationsModule } from './notification-wiring.js';
import { requireAdmin } from '../security/admin-auth.js';
import { csrfToken, protectForm, requireConsole } from '../security/index.js';
import { incidentRoutes } from '../incidents/index.js';
import type { AppContext } from './context.js';

/** What incidents need to hear from the rollout controller: its decisions. */
type DecisionEvent = { kind: string; triggers: string[]; fromPhase: number | null; toPhase: number | null; reason: string | null };
interface DecisionSource {
  on(event: 'decision', fn: (d: DecisionEvent) => void): unknown;
  off(event: 'decision', fn: (d: DecisionEvent) => void): unknown;
}
/** …and from the flag service: whether the kill switch is on. */
interface EmergencySource {
  snapshot(): { emergency: boolean };
  on(event: 'change', fn: (now: { emergency: boolean }, before: { emergency: boolean }) => void): unknown;
  off(event: 'change', fn: (now: { emergency: boolean }, before: { emergency: boolean }) => void): unknown;
}

/** Triggers whose breach dealers notice (errors, slowness, stale or missing data). */
const USER_FACING_TRIGGERS = new Set(['p95_latency', 'error_rate_high', 'error_rate_critical', 'slo_violation', 'rate_limit_legitimate_refusals', 'contract_compliance_low', 'browser_pool_failures']);

export function wireIncidentSources(incidents: Pick<Incidents, 'raise' | 'clear'>, src: { rollout: DecisionSource; flags: EmergencySource }, log: (msg: string) => void): () => void {
  const safely = (p: Promise<unknown>) => { p.catch((err) => log(`incident input failed: ${err instanceof Error ? err.message : String(err)}`)); };
  const raiseKill = () => safely(incidents.raise({
    cause: 'kill_switch', title: 'Kill switch on: every v5 feature is off', userFacing: true, actor: 'flags',
    detail: 'EMERGENCY_ROLLBACK is on; dealers see v4 behaviour until it is turned off.',
  } satisfies RaiseInput));
  const onDecision = (d: DecisionEvent) => {
    if (d.kind === 'auto_rollback') {
      for (const t of d.triggers) {
        safely(incidents.raise({
          cause: `rollback:${t}`, title: `Automatic rollback: trigger ${t} fired`, userFacing: USER_FACING_TRIGGERS.has(t), actor: 'rollout-controller',
          detail: `${d.reason ?? ''} (phase ${d.fromPhase ?? '?'} → ${d.toPhase ?? '?'})`.trim(),
        }));
      }
    } else if (d.kind === 'rearm') {
      for (const t of d.triggers) safely(incidents.clear(`rollback:${t}`, `trigger ${t} re-armed`));
    }
  };
  const onFlags = (now: { emergency: boolean }, before: { emergency: boolean }) => {
    if (now.emergency && !before.emergency) raiseKill();
    else if (!now.emergency && before.emergency) safely(incidents.clear('kill_switch', 'kill switch turned off'));
  };
  src.rollout.on('decision', onDecision);
  src.flags.on('change', onFlags);
  // The state at start counts too: the switch may have been flipped while this replica was down.
  if (src.flags.snapshot().emergency) raiseKill();
  else safely(incidents.clear('kill_switch', 'kill switch found off'));
  return () => {
    src.rollout.off('decision', onDecision);
    src.flags.off('change', onFlags);
  };
}

export interface IncidentWiringOptions {
  /** Run the escalation loop, the delivery worker and the readiness watch (serving processes). */
  background: boolean;
  /** The dealer workspace's directory of dealers with alerts; none until it exists. */
  dealers?: DealerDirectory;
  /** The delivery path to share (dealer alerts use the same outbox worker); one is made when absent. */
  notifications?: ReturnType<typeof notificationsModule>;
}

export async function installIncidents(app: FastifyInstance, ctx: AppContext, opts: IncidentWiringOptions): Promise<Incidents> {
  const log = (msg: string) => app.log.warn(msg);
  const notifications = opts.notifications ?? notificationsModule(ctx, log);
  const incidents = new Incidents({
    db: ctx.db, clock: ctx.clock, settings: incidentSettings(ctx.config.raw, notifications.settings.allowPrivate),
    notifications, dealers: opts.dealers ?? noDealers, registry: ctx.metrics.registry, log,
  });
  const admin = requireAdmin(ctx.config.adminToken);
  await app.register(notificationRoutes, { notifications, admin });
  await app.register(incidentRoutes, { incidents, admin, console: { requireConsole, protectForm, csrfToken }, page: (title, body) => layout(title, body) });
  if (!opts.background) return incidents;
  const s = incidents.settings;
  const watch = new ReadinessWatch({
    db: ctx.db, clock: ctx.clock, replicaId: incidents.replicaId, intervalMs: s.readinessIntervalMs, windowMs: s.readinessWindowMs,
    report: async () => {
      const r = await ctx.readiness.report();
      const down = Object.entries(r.components).filter(([, c]) => c.status === 'down').map(([n, c]) => `${n}: ${typeof c.detail === 'string' ? c.detail : 'down'}`);
      return { ready: r.ready, detail: down.join(', ') };
    },
    raise: (i) => incidents.raise(i), clear: (c, why) => incidents.clear(c, why), log,
  });
  let unwire = () => {};
  app.addHook('onReady', async () => {
    notifications.start();
    incidents.start();
    watch.start();
    unwire = wireIncidentSources(incidents, { rollout: ctx.rollout, flags: ctx.flags }, log);
  });
  app.addHook('onClose', async () => {
    unwire();
    await watch.stop();
    await incidents.stop();
    await notifications.stop();
  });
  return incidents;
}
