// The two steps in front of every console action that can hurt production (the kill switch, any
// flag change, advance, rollback, re-arm): the first post must carry a reason, and answers with a
// page saying what is about to happen; only a second post carrying the typed confirmation phrase
// applies it. A blank reason or a wrong phrase answers 400 naming the field and changes nothing.
// Plain forms, no script: the console works the same with JavaScript off.
import type { FastifyReply } from 'fastify';
import { esc, layout } from './html.js';

/** The admin API bounds a reason the same way (flags/admin-routes.ts). */
export const MAX_REASON = 500;

export interface DangerousAction {
  /** Where both steps post. */
  action: string;
  /** The action's own fields, carried unchanged from the first step to the second. */
  fields: Record<string, string>;
  /** Completes "You are about to …". */
  summary: string;
  /** What the action does beyond this page, one sentence each. */
  effects: string[];
  /** Typed into the `confirm` field to go ahead. */
  phrase: string;
  /** The final button. */
  verb: string;
  /** Where "cancel" goes. */
  back: string;
  /** Where the reason ends up, for the reason field's label. */
  recordedIn: string;
}

export type Refusal = { field: 'reason' | 'confirm'; message: string };
export type Step = { kind: 'refuse'; refusal: Refusal; reason: string } | { kind: 'ask'; reason: string } | { kind: 'go'; reason: string };

function text(body: unknown, name: string): string | undefined {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v.trim() : undefined;
}

/** Which step a post is at: refused (and why), asking for the confirmation, or confirmed. */
export function readStep(body: unknown, phrase: string): Step {
  const reason = text(body, 'reason') ?? '';
  if (!reason)
    return {
      kind: 'refuse',
      reason,
      refusal: {
        field: 'reason',
        message: 'reason is required: say why, in a few words (it is recorded with the change). Nothing was changed.',
      },
    };
  if (reason.length > MAX_REASON)
    return {
      kind: 'refuse',
      reason: reason.slice(0, MAX_REASON),
      refusal: { field: 'reason', message: `reason is too long: at most ${MAX_REASON} characters. Nothing was changed.` },
    };
  const confirm = text(body, 'confirm');
  // The first step carries no confirm field at all; the confirmation page always sends one.
  if (confirm === undefined) return { kind: 'ask', reason };
  if (confirm !== phrase)
    return {
      kind: 'refuse',
      reason,
      refusal: { field: 'confirm', message: `confirm must be exactly "${phrase}" to go ahead. Nothing was changed.` },
    };
  return { kind: 'go', reason };
}

function invalid(refusal: Refusal | undefined, field: Refusal['field']): string {
  return refusal?.field === field ? ' aria-invalid="true" aria-describedby="confirm-error"' : '';
}

/**
 * The page for a step that is not yet confirmed. After a refused reason it is the first step
 * again (no confirm field, so giving the reason leads to the confirmation, never past it).
 */
export function confirmBody(a: DangerousAction, csrf: string, step: Exclude<Step, { kind: 'go' }>): string {
  const refusal = step.kind === 'refuse' ? step.refusal : undefined;
  const asking = refusal?.field !== 'reason';
  const hidden = [['_csrf', csrf], ...Object.entries(a.fields)]
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  const error = refusal
    ? `<p class="flash error" role="alert" id="confirm-error" data-field="${refusal.field}">${esc(refusal.message)}</p>`
    : '';
  const confirmField = asking
    ? `<p><label for="confirm-phrase">Type <code class="phrase">${esc(a.phrase)}</code> to confirm</label>
<input id="confirm-phrase" name="confirm" type="text" required autocomplete="off" spellcheck="false" value=""${invalid(refusal, 'confirm')}></p>`
    : '';
  return `<section class="wide confirm-page" aria-labelledby="confirm-title">
<h1 id="confirm-title">${asking ? 'Confirm' : 'A reason is needed'}</h1>
${error}
<p class="about">You are about to ${esc(a.summary)}.</p>
${a.effects.length ? `<ul class="effects">${a.effects.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : ''}
<form class="confirm" method="post" action="${esc(a.action)}">${hidden}
<p><label for="confirm-reason">Reason (goes into ${esc(a.recordedIn)})</label>
<input id="confirm-reason" name="reason" type="text" required maxlength="${MAX_REASON}" value="${esc(step.reason)}"${invalid(refusal, 'reason')}></p>
${confirmField}
<p class="actions"><button type="submit" class="${asking ? 'danger' : ''}">${asking ? esc(a.verb) : 'Continue'}</button> <a href="${esc(a.back)}">Cancel, change nothing</a></p>
</form>
</section>`;
}

/** Answers a step that does not apply the action: 400 when refused, 200 when asking. */
export function sendStep(
  reply: FastifyReply,
  a: DangerousAction,
  csrf: string,
  step: Exclude<Step, { kind: 'go' }>,
  signOutCsrf: string | undefined,
) {
  return reply
    .status(step.kind === 'refuse' ? 400 : 200)
    .type('text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send(layout(step.kind === 'refuse' ? 'Not changed' : 'Confirm', confirmBody(a, csrf, step), { signOutCsrf }));
}
