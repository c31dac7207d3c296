// The SRE console (README, Operations): one server-rendered page of live SLO tiles, alerts, flags and the
// rollout, plus the forms that change them. Every data route requires a console session; every
// state change is a CSRF-protected urlencoded form and answers with a redirect back (303).
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import type { AppContext } from '../common/app-context.js';
import { FLAGS, coerceFlagValue, coerceOverrideValue, isFlagName } from '../flags/registry.js';
import { canaryFor } from '../rollout/canary/routes.js';
import { canarySection } from './canary-view.js';
import type { Observability } from '../observability/install.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { eventStreams, type EventStreamOptions } from './events.js';
import { esc, layout } from './html.js';
import type { ChangeBy, ConsoleFlagPort, ConsoleRolloutPort } from './ports.js';
import { alertsSection, flagsSection, rolloutSection, tilesSection, type RolloutView } from './views.js';

type PreHandler = preHandlerHookHandler | preHandlerAsyncHookHandler;

export interface ConsoleOptions {
  ctx: AppContext;
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
  'reason-required': { text: 'A reason is required.', error: true },
  'confirm-required': { text: 'Tick "I confirm" to go ahead.', error: true },
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

const back = (reply: FastifyReply, result: string, extra = '') => reply.redirect(`/console?result=${result}${extra}#${extra ? 'flags' : 'rollout'}`, 303);

async function rolloutView(ctx: AppContext, port: ConsoleRolloutPort | null): Promise<RolloutView> {
  const phase = ctx.flags.getPhase();
  if (!port) return { available: false, phase };
  try {
    const [status, gate, decisions] = await Promise.all([port.status(), port.gate(), port.decisions(20)]);
    return { available: true, phase, status, gate, decisions };
  } catch (err) {
    return { available: true, phase, error: `Rollout controller unavailable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function canaryHtml(ctx: AppContext): string {
  const canary = canaryFor(ctx);
  return canary ? canarySection(canary.analysis.report(), canary.runner.list()) : '';
}

export async function consoleRoutes(app: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  const { ctx, obs, auth } = opts;
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);
  const session = { preHandler: [auth.requireConsole], schema: { hide: true } };
  const form = { preHandler: [auth.requireConsole, auth.protectForm], schema: { hide: true } };

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
    const [tiles, rollout] = await Promise.all([obs.tiles(), rolloutView(ctx, opts.rollout)]);
    const q = request.query as Record<string, string | undefined>;
    const result = q.result ? RESULTS[q.result] : undefined;
    const flagName = q.flag && isFlagName(q.flag) ? ` (${q.flag})` : '';
    const flash = result ? `<p class="flash${result.error ? ' error' : ''}" role="status">${esc(result.text + flagName)}</p>` : '';
    const body = flash + tilesSection(tiles) + alertsSection(obs.alerts.recent(50)) + rolloutSection(rollout, csrf) + canaryHtml(ctx) + flagsSection(ctx.flags.snapshot(), csrf);
    reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store');
    return layout('Overview', body, { script: true, signOutCsrf: request.consoleAuth?.kind === 'session' ? csrf : undefined });
  });

  app.get('/console/events', session, eventStreams(app, obs, { ...opts.events, watchSession: auth.watchSession, phases: ctx.flagControl }));

  app.post('/console/flags', form, async (request, reply) => {
    const name = field(request.body, 'name');
    const raw = field(request.body, 'value');
    if (!isFlagName(name)) return back(reply, 'flag-invalid');
    // "25%" asks for a percentage rollout of a boolean flag.
    const share = /^(\d{1,3})\s*%$/.exec(raw);
    const parsed = share ? coerceOverrideValue(name, { percentage: Number(share[1]) }) : coerceFlagValue(name, raw, true);
    if (!parsed.ok) return back(reply, 'flag-invalid', `&flag=${name}`);
    const by: ChangeBy = { actor: actorOf(request), reason: field(request.body, 'reason') || 'console toggle' };
    await opts.flags.set(name, parsed.value, by);
    request.log.info({ flag: name, value: parsed.value, actor: by.actor, reason: by.reason }, 'flag changed from the console');
    obs.alerts.publish({
      severity: 'info', channel: 'deployments', source: 'console',
      title: `${name} set to ${typeof parsed.value === 'object' ? `${parsed.value.percentage} %` : String(parsed.value)} by ${by.actor}`, detail: `${by.reason} · phase ${FLAGS[name].phase} flag`,
    });
    return back(reply, 'flag-set', `&flag=${name}`);
  });

  const rolloutAction = (action: 'advance' | 'rollback') => async (request: FastifyRequest, reply: FastifyReply) => {
    if (!opts.rollout) return back(reply, action === 'advance' ? 'advance-refused' : 'rollback-failed');
    const reason = field(request.body, 'reason');
    if (reason.length < 3) return back(reply, 'reason-required');
    if (field(request.body, 'confirm') !== 'yes') return back(reply, 'confirm-required');
    const by: ChangeBy = { actor: actorOf(request), reason };
    try {
      await (action === 'advance' ? opts.rollout.advance(by) : opts.rollout.rollback(by));
    } catch (err) {
      request.log.warn({ err, action }, 'console rollout action refused');
      return back(reply, action === 'advance' ? 'advance-refused' : 'rollback-failed');
    }
    return back(reply, action === 'advance' ? 'advanced' : 'rolled-back');
  };
  app.post('/console/rollout/advance', form, rolloutAction('advance'));
  app.post('/console/rollout/rollback', form, rolloutAction('rollback'));

  app.post('/console/rollout/rearm', form, async (request, reply) => {
    const trigger = field(request.body, 'trigger');
    const reason = field(request.body, 'reason');
    if (!opts.rollout || !trigger) return back(reply, 'rearm-failed');
    if (reason.length < 3) return back(reply, 'reason-required');
    try {
      await opts.rollout.rearm(trigger, { actor: actorOf(request), reason });
    } catch (err) {
      request.log.warn({ err, trigger }, 'console re-arm refused');
      return back(reply, 'rearm-failed');
    }
    return back(reply, 'rearmed');
  });
}
