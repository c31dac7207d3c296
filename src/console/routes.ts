// The SRE console (README, Operations): one server-rendered page of live SLO tiles, alerts, flags and the
// rollout, plus the forms that change them. Every data route requires a console session; every
// state change is a CSRF-protected urlencoded form and answers with a redirect back (303).
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import { FLAGS, coerceFlagValue, coerceOverrideValue, isFlagName } from '../flags/index.js';
import type { Canary } from '../rollout/index.js';
import { canarySection } from './canary-view.js';
import type { Observability } from '../observability/index.js';
import { advanceAction, flagAction, rearmAction, rollbackAction } from './actions.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { readStep, sendStep, type DangerousAction } from './confirm.js';
import { eventStreams, type EventStreamOptions, type PhaseSource } from './events.js';
import { esc, layout } from './html.js';
import type { ChangeBy, ConsoleFlagPort, ConsoleRolloutPort } from './ports.js';
import { alertsSection, changesSection, flagsSection, rolloutSection, tilesSection, type RolloutView } from './views.js';
import type { FlagService } from '../flags/index.js';

type PreHandler = preHandlerHookHandler | preHandlerAsyncHookHandler;

export interface ConsoleOptions {
  /** The flags in force on this replica, as the page shows them. */
  current: Pick<FlagService, 'getPhase' | 'snapshot'>;
  /** Where the live 'phase' events come from. */
  phases: PhaseSource;
  /** The canary's cohorts and runs, when installed. */
  canary: Canary | null;
  obs: Observability;
  auth: {
    requireConsole: PreHandler;
    protectForm: PreHandler;
    csrfToken(request: FastifyRequest): string;
    /** Calls onEnd when the request's session ends (sign-out); returns the unsubscribe. */
    watchSession?: (request: FastifyRequest, onEnd: () => void) => () => void;
  };
  flags: ConsoleFlagPort;
  rollout: ConsoleRolloutPort | null;
  events?: EventStreamOptions;
}

/** Fixed outcome messages, so a crafted link cannot make the console display arbitrary text. */
const RESULTS: Record<string, { text: string; error?: boolean }> = {
  'flag-set': { text: 'Flag changed.' },
  'flag-invalid': { text: 'That flag value was not accepted; nothing changed.', error: true },
  advanced: { text: 'Rollout advanced.' },
  'advance-refused': { text: 'The rollout controller refused to advance (see the gate report).', error: true },
  'rolled-back': { text: 'Rolled back one phase.' },
  'rollback-failed': { text: 'The rollback did not go through; see the decision records and logs.', error: true },
  rearmed: { text: 'Trigger re-armed.' },
  'rearm-failed': { text: 'The trigger could not be re-armed.', error: true },
};

function actorOf(request: FastifyRequest): string {
  return request.consoleAuth?.actor ?? 'console';
}

function field(body: unknown, name: string): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v.trim() : '';
}

const back = (reply: FastifyReply, result: string, extra = '') =>
  reply.redirect(`/console?result=${result}${extra}#${extra ? 'flags' : 'rollout'}`, 303);

async function rolloutView(current: ConsoleOptions['current'], port: ConsoleRolloutPort | null): Promise<RolloutView> {
  const phase = current.getPhase();
  if (!port) return { available: false, phase };
  try {
    const [status, gate, decisions] = await Promise.all([port.status(), port.gate(), port.decisions(20)]);
    return { available: true, phase, status, gate, decisions };
  } catch (err) {
    return { available: true, phase, error: `Rollout controller unavailable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function canaryHtml(canary: Canary | null): string {
  return canary ? canarySection(canary.analysis.report(), canary.runner.list()) : '';
}

export async function consoleRoutes(app: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  const { current, obs, auth } = opts;
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);
  const session = { preHandler: [auth.requireConsole], schema: { hide: true } };
  const form = { preHandler: [auth.requireConsole, auth.protectForm], schema: { hide: true } };

  const signOut = (request: FastifyRequest) => (request.consoleAuth?.kind === 'session' ? auth.csrfToken(request) : undefined);

  // Code only, no data: the login page uses the same stylesheet.
  app.get('/console/assets/console.css', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=300');
    return CONSOLE_CSS;
  });
  app.get('/console/assets/console.js', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=300');
    return CONSOLE_JS;
  });

  app.get('/console', session, async (request, reply) => {
    const csrf = auth.csrfToken(request);
    const [tiles, rollout, changes] = await Promise.all([
      obs.tiles(),
      rolloutView(current, opts.rollout),
      opts.flags.changes(10).catch(() => []),
    ]);
    const q = request.query as Record<string, string | undefined>;
    const result = q.result ? RESULTS[q.result] : undefined;
    const flagName = q.flag && isFlagName(q.flag) ? ` (${q.flag})` : '';
    const flash = result ? `<p class="flash${result.error ? ' error' : ''}" role="status">${esc(result.text + flagName)}</p>` : '';
    const body =
      flash +
      tilesSection(tiles) +
      alertsSection(obs.alerts.recent(50)) +
      rolloutSection(rollout, csrf) +
      canaryHtml(opts.canary) +
      flagsSection(current.snapshot(), csrf) +
      changesSection(changes);
    reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store');
    return layout('Overview', body, { script: true, signOutCsrf: signOut(request) });
  });

  app.get('/console/events', session, eventStreams(app, obs, { ...opts.events, watchSession: auth.watchSession, phases: opts.phases }));

  /** Runs the two steps in front of a dangerous action; returns the reason once it is confirmed. */
  const confirmed = (request: FastifyRequest, reply: FastifyReply, a: DangerousAction): string | null => {
    const step = readStep(request.body, a.phrase);
    if (step.kind === 'go') return step.reason;
    void sendStep(reply, a, auth.csrfToken(request), step, signOut(request));
    return null;
  };

  app.post('/console/flags', form, async (request, reply) => {
    const name = field(request.body, 'name');
    const raw = field(request.body, 'value');
    if (!isFlagName(name)) return back(reply, 'flag-invalid');
    // "25%" asks for a percentage rollout of a boolean flag.
    const share = /^(\d{1,3})\s*%$/.exec(raw);
    const parsed = share ? coerceOverrideValue(name, { percentage: Number(share[1]) }) : coerceFlagValue(name, raw, true);
    if (!parsed.ok) return back(reply, 'flag-invalid', `&flag=${name}`);
    const reason = confirmed(request, reply, flagAction(name, raw, parsed.value, current.snapshot()));
    if (reason === null) return reply;
    const by: ChangeBy = { actor: actorOf(request), reason };
    await opts.flags.set(name, parsed.value, by);
    request.log.info({ flag: name, value: parsed.value, actor: by.actor, reason: by.reason }, 'flag changed from the console');
    obs.alerts.publish({
      severity: 'info',
      channel: 'deployments',
      source: 'console',
      title: `${name} set to ${typeof parsed.value === 'object' ? `${parsed.value.percentage} %` : String(parsed.value)} by ${by.actor}`,
      detail: `${by.reason} · phase ${FLAGS[name].phase} flag`,
    });
    return back(reply, 'flag-set', `&flag=${name}`);
  });

  app.post('/console/rollout/advance', form, async (request, reply) => {
    if (!opts.rollout) return back(reply, 'advance-refused');
    const force = field(request.body, 'force') === 'yes';
    const step = readStep(request.body, 'advance');
    // The gate is read for the page only; the controller judges it again when it advances.
    const gate = step.kind === 'go' ? null : await opts.rollout.gate().catch(() => null);
    const reason = confirmed(request, reply, advanceAction(gate, force));
    if (reason === null) return reply;
    try {
      await opts.rollout.advance({ actor: actorOf(request), reason, force });
    } catch (err) {
      request.log.warn({ err }, 'console advance refused');
      return back(reply, 'advance-refused');
    }
    return back(reply, 'advanced');
  });

  app.post('/console/rollout/rollback', form, async (request, reply) => {
    if (!opts.rollout) return back(reply, 'rollback-failed');
    const status = await opts.rollout.status().catch(() => null);
    const reason = confirmed(request, reply, rollbackAction(status?.effectivePhase ?? null));
    if (reason === null) return reply;
    try {
      await opts.rollout.rollback({ actor: actorOf(request), reason });
    } catch (err) {
      request.log.warn({ err }, 'console rollback refused');
      return back(reply, 'rollback-failed');
    }
    return back(reply, 'rolled-back');
  });

  app.post('/console/rollout/rearm', form, async (request, reply) => {
    const trigger = field(request.body, 'trigger');
    if (!opts.rollout || !trigger) return back(reply, 'rearm-failed');
    const reason = confirmed(request, reply, rearmAction(trigger));
    if (reason === null) return reply;
    try {
      await opts.rollout.rearm(trigger, { actor: actorOf(request), reason });
    } catch (err) {
      request.log.warn({ err, trigger }, 'console re-arm refused');
      return back(reply, 'rearm-failed');
    }
    return back(reply, 'rearmed');
  });
}
