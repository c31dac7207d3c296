// The console's incidents page: open incidents first, each with its escalation steps, its whole
// timeline (steps, deliveries, acknowledgement, resolution) and Acknowledge / Resolve buttons.
// The buttons are CSRF-protected urlencoded forms answering with a redirect back (303), like the
// console's other forms.
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import { esc } from '../common/html.js';
import { actorOf, idParam } from './request.js';
import { IncidentNotFound, type Incidents } from './service.js';
import type { IncidentView } from './views.js';

type PreHandler = preHandlerHookHandler | preHandlerAsyncHookHandler;

export interface ConsoleAuth {
  requireConsole: PreHandler;
  protectForm: PreHandler;
  csrfToken(request: FastifyRequest): string;
}

const RESULTS: Record<string, { text: string; error?: boolean }> = {
  acknowledged: { text: 'Incident acknowledged; escalation stopped.' },
  'already-acknowledged': { text: 'That incident was already acknowledged or is closed.', error: true },
  'already-resolved': { text: 'That incident was already resolved; nothing was sent.', error: true },
  resolved: { text: 'Incident resolved; every channel it reached is being told.' },
  'not-found': { text: 'No such incident.', error: true },
};

const time = (iso: string | null) =>
  iso ? `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>` : '—';

function actions(i: IncidentView, csrf: string): string {
  if (i.status !== 'open') return '';
  const hidden = `<input type="hidden" name="_csrf" value="${esc(csrf)}">`;
  const ack = i.acknowledgedAt
    ? ''
    : `<form class="inline" method="post" action="/console/incidents/${i.id}/ack">${hidden}<button type="submit" aria-label="Acknowledge incident ${i.id}">Acknowledge</button></form>`;
  const resolve = `<form class="inline" method="post" action="/console/incidents/${i.id}/resolve">${hidden}<label>Note <input type="text" name="note" maxlength="500" size="24" aria-label="Resolution note for incident ${i.id}"></label> <button type="submit" aria-label="Resolve incident ${i.id}">Resolve</button></form>`;
  return `<div class="incident-actions">${ack} ${resolve}</div>`;
}

function incidentSection(i: IncidentView, csrf: string): string {
  const state =
    i.status === 'resolved'
      ? `resolved ${time(i.resolvedAt)} by ${esc(i.resolvedBy)} (${esc(i.resolution)})`
      : i.acknowledgedAt
        ? `open, acknowledged ${time(i.acknowledgedAt)} by ${esc(i.acknowledgedBy)}`
        : 'open, escalating';
  const steps = i.steps
    .map(
      (s) =>
        `<tr><th scope="row">${s.step}</th><td>${esc(s.audience)}</td><td>${time(s.dueAt)}</td><td>${s.takenAt ? `${time(s.takenAt)} — ${esc(s.outcome)}` : '<span class="muted">not taken</span>'}</td></tr>`,
    )
    .join('');
  const timeline = i.timeline
    .map(
      (t) =>
        `<li class="tl-${esc(t.kind)}">${time(t.at)} <strong>${esc(t.kind)}</strong>${t.step ? ` (step ${t.step})` : ''}: ${esc(t.message)}</li>`,
    )
    .join('');
  return `<section class="incident ${i.status === 'open' ? 'open' : 'resolved'}" id="incident-${i.id}" aria-labelledby="incident-${i.id}-title">
<h2 id="incident-${i.id}-title">#${i.id} ${esc(i.title)}</h2>
<p>Cause <code>${esc(i.cause)}</code> · started ${time(i.startedAt)} · ${i.userFacing ? '<strong>user-facing</strong>' : 'not user-facing'} · ${state}</p>
${i.detail ? `<p>${esc(i.detail)}</p>` : ''}${actions(i, csrf)}
<table><caption>Escalation steps</caption><thead><tr><th scope="col">Step</th><th scope="col">Audience</th><th scope="col">Due</th><th scope="col">Taken</th></tr></thead><tbody>${steps}</tbody></table>
<h3>Timeline</h3><ol class="timeline">${timeline}</ol>
</section>`;
}

export async function consoleIncidentRoutes(
  app: FastifyInstance,
  opts: { incidents: Incidents; auth: ConsoleAuth; page: (title: string, body: string) => string },
): Promise<void> {
  const { incidents, auth } = opts;
  const session = { preHandler: [auth.requireConsole], schema: { hide: true } };
  const form = { preHandler: [auth.requireConsole, auth.protectForm], schema: { hide: true } };
  const back = (reply: FastifyReply, result: string, id?: number) =>
    reply.redirect(`/console/incidents?result=${result}${id ? `#incident-${id}` : ''}`, 303);

  app.get('/console/incidents', session, async (request, reply) => {
    const csrf = auth.csrfToken(request);
    const [open, recent] = await Promise.all([
      incidents.list({ status: 'open', limit: 100 }),
      incidents.list({ status: 'resolved', limit: 20 }),
    ]);
    const r = RESULTS[(request.query as { result?: string }).result ?? ''];
    const flash = r ? `<p class="flash${r.error ? ' error' : ''}" role="status">${esc(r.text)}</p>` : '';
    const steps = incidents.settings.stepsSeconds.map((s) => `${s} s`).join(', ');
    const body = `${flash}<h1>Incidents</h1><p>Escalation: incidents channel, engineering, management, dealers at ${esc(steps)} after the start, until acknowledged. <a href="/console">Back to the overview</a></p>
<h2>Open (${open.length})</h2>${open.map((i) => incidentSection(i, csrf)).join('') || '<p>No open incident.</p>'}
<h2>Recently resolved</h2>${recent.map((i) => incidentSection(i, csrf)).join('') || '<p>None.</p>'}`;
    reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store');
    return opts.page('Incidents', body);
  });

  app.post('/console/incidents/:id/ack', form, async (request, reply) => {
    const id = idParam(request);
    try {
      const res = await incidents.acknowledge(id, actorOf(request));
      return back(reply, res.changed ? 'acknowledged' : 'already-acknowledged', id);
    } catch (err) {
      if (err instanceof IncidentNotFound) return back(reply, 'not-found');
      throw err;
    }
  });

  app.post('/console/incidents/:id/resolve', form, async (request, reply) => {
    const id = idParam(request);
    const note = (request.body as { note?: unknown } | null)?.note;
    const text = typeof note === 'string' && note.trim() ? `resolved by hand: ${note.trim().slice(0, 500)}` : undefined;
    try {
      const res = await incidents.resolveIfOpen(id, actorOf(request), text);
      return back(reply, res.changed ? 'resolved' : 'already-resolved', id);
    } catch (err) {
      if (err instanceof IncidentNotFound) return back(reply, 'not-found');
      throw err;
    }
  });
}
