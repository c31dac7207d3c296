// The console page's sections. Values come from the live services; anything unavailable is said
// to be unavailable rather than filled in.
import { type AuditEntry, FLAG_NAMES, type FlagDefinition, type FlagName, FLAGS, type FlagSnapshot } from '../flags/index.js';
import type { Alert, SloTile } from '../observability/index.js';
import type { Decision, GateReport, RolloutStatus } from '../rollout/index.js';
import { esc, formatTime, scrollBox, when } from './html.js';

export function tilesSection(tiles: SloTile[]): string {
  const cells = tiles
    .map(
      (t) => `
  <div class="tile ${esc(t.status)}" data-key="${esc(t.key)}">
    <div class="label">${esc(t.label)}</div>
    <div class="value">${esc(t.display)}</div>
    <div class="meta">gate ${esc(t.thresholdDisplay)}</div>
    <div class="meta detail">${esc(t.detail)}</div>
  </div>`,
    )
    .join('');
  return `<section class="wide" id="slo"><h2>Service level objectives <span class="muted">(live)</span></h2><div class="tiles">${cells}</div></section>`;
}

export function alertItem(a: Alert): string {
  return `<li class="${esc(a.severity)}" data-alert-id="${esc(a.id)}"><span class="src">${esc(formatTime(a.at))} · ${esc(a.severity)} · #${esc(a.channel)} · ${esc(a.source)}</span>
<div class="alert-title">${a.resolved ? 'RESOLVED: ' : ''}${esc(a.title)}</div>${when(a.detail, `<div class="src">${esc(a.detail)}</div>`)}</li>`;
}

export function alertsSection(alerts: Alert[]): string {
  const items = alerts.length
    ? alerts.map(alertItem).join('')
    : '<li id="alerts-empty" class="info">No alerts since this replica started.</li>';
  return `<section id="alert-feed" class="wide"><h2>Alerts <span id="stream-state" class="muted">connecting…</span></h2><div class="alerts-box" role="region" aria-label="Alert feed, newest first" tabindex="0"><ul class="alerts" id="alerts">${items}</ul></div></section>`;
}

function flagControl(name: FlagName, value: unknown, csrf: string): string {
  const def: FlagDefinition = FLAGS[name];
  const hidden = `<input type="hidden" name="_csrf" value="${esc(csrf)}"><input type="hidden" name="name" value="${esc(name)}">`;
  // Required here for the browser's hint; the server refuses a blank reason either way.
  const reason = (what: string) =>
    `<input type="text" name="reason" required maxlength="500" placeholder="reason" size="12" aria-label="reason for ${what}">`;
  if (def.type === 'boolean') {
    const next = value === true ? 'false' : 'true';
    const toggle = `<form class="inline" method="post" action="/console/flags" data-flag="${esc(name)}">${hidden}<input type="hidden" name="value" value="${next}">${reason(`turning ${esc(name)} ${value === true ? 'off' : 'on'}`)} <button type="submit">${value === true ? 'Turn off' : 'Turn on'}…</button></form>`;
    if (name === 'EMERGENCY_ROLLBACK') return toggle;
    // A percentage rollout: the value is posted as "N%".
    const share = `<form class="inline" method="post" action="/console/flags" data-flag-percentage="${esc(name)}">${hidden}<input type="text" name="value" required pattern="\\d{1,3}%" placeholder="25%" size="4" aria-label="percentage for ${esc(name)}"> ${reason(`the percentage of ${esc(name)}`)} <button type="submit">Set %…</button></form>`;
    return toggle + share;
  }
  const input =
    def.type === 'integer'
      ? `<input type="number" name="value" min="${def.min}" max="${def.max}" value="${esc(value)}" aria-label="${esc(name)}">`
      : `<select name="value" aria-label="${esc(name)}">${def.values.map((v) => `<option${v === value ? ' selected' : ''}>${esc(v)}</option>`).join('')}</select>`;
  return `<form class="inline" method="post" action="/console/flags" data-flag="${esc(name)}">${hidden}${input} ${reason(esc(name))} <button type="submit">Set…</button></form>`;
}

function changeValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object' && v && 'percentage' in v) return `${(v as { percentage: number }).percentage} %`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The newest flag and rollout changes from the audit log: who, what, and the reason given. */
export function changesSection(entries: AuditEntry[]): string {
  if (!entries.length) return '';
  const rows = entries
    .map(
      (e) =>
        `<tr data-audit-id="${e.id}"><td>${esc(e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</td><td><code>${esc(e.flag)}</code></td><td>${esc(changeValue(e.old))} → ${esc(changeValue(e.new))}</td><td>${esc(e.actor)}</td><td class="reason">${e.reason ? esc(e.reason) : '<span class="muted">none given</span>'}</td></tr>`,
    )
    .join('');
  return `<section id="flag-changes" class="wide"><h2>Recent changes (audit log)</h2>${scrollBox('Recent changes', `<table><thead><tr><th>When</th><th>What</th><th>Change</th><th>By</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table>`)}</section>`;
}

export function flagsSection(snap: FlagSnapshot, csrf: string): string {
  const rows = FLAG_NAMES.map((name) => {
    const v = snap.flags[name];
    const share = snap.percentages[name];
    const shown = share
      ? `<span class="on" data-percentage="${share.percentage}">${share.percentage} % of clients</span>${share.stickiness ? ` <span class="src">by ${esc(share.stickiness)}</span>` : ''}`
      : typeof v === 'boolean'
        ? `<span class="${v ? 'on' : 'off'}">${v ? 'on' : 'off'}</span>`
        : esc(v);
    return `<tr data-flag-row="${esc(name)}"><td><code>${esc(name)}</code><div class="src">phase ${FLAGS[name].phase} · from ${esc(snap.sources[name])}</div></td><td class="flag-value">${shown}</td><td>${flagControl(name, v, csrf)}</td></tr>`;
  }).join('');
  const state = snap.emergency ? '<p class="flash error">EMERGENCY_ROLLBACK is on: every v5 feature is forced off.</p>' : '';
  return `<section id="flags" class="wide"><h2>Feature flags</h2>${state}<p class="muted">Every change asks for a reason and then for a typed confirmation on the next page.</p><table class="flags"><thead><tr><th>Flag</th><th>Value</th><th>Change</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** Renders a report of unknown shape as nested tables, so the controller's own fields show. */
export function dataTable(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '<span class="muted">—</span>';
  if (typeof value !== 'object') return esc(typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(4)) : value);
  if (depth > 3) return `<code>${esc(JSON.stringify(value))}</code>`;
  if (Array.isArray(value)) {
    if (!value.length) return '<span class="muted">none</span>';
    return `<ol>${value.map((v) => `<li>${dataTable(v, depth + 1)}</li>`).join('')}</ol>`;
  }
  const rows = Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${dataTable(v, depth + 1)}</td></tr>`)
    .join('');
  return `<table>${rows}</table>`;
}

export interface RolloutView {
  available: boolean;
  phase: number | null;
  status?: RolloutStatus;
  gate?: GateReport;
  decisions?: Decision[];
  error?: string;
}

function fmtValue(v: number | null, unit: string | null): string {
  if (v === null) return 'no data';
  const n = Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 4 : 1);
  return unit ? `${n} ${unit}` : n;
}

function gateTable(g: GateReport): string {
  const rows = g.criteria
    .map(
      (
        c,
      ) => `<tr class="${c.pass ? 'pass' : 'fail'}"><td>${c.pass ? '<span class="on">pass</span>' : '<strong class="fail">fail</strong>'}</td><td>${esc(c.label)}</td>
<td>${c.kind === 'attestation' ? (c.attestation ? `attested by ${esc(c.attestation.actor)} ${esc(c.attestation.at)}` : '<span class="muted">not attested</span>') : esc(c.value === null && c.note ? `no data: ${c.note}` : fmtValue(c.value, c.unit))}</td>
<td>${esc(c.threshold ?? '')}</td><td>${c.samples === null ? '' : esc(c.samples)}</td></tr>`,
    )
    .join('');
  return `<p>Gate ${esc(g.from)} → ${esc(g.to)}: <strong>${g.pass ? 'passes' : 'does not pass'}</strong> <span class="muted">(window ${Math.round(g.windowMs / 60_000)} min, evaluated ${esc(g.evaluatedAt)})</span></p>
${scrollBox('Gate criteria', `<table class="gate"><thead><tr><th>Result</th><th>Criterion</th><th>Measured</th><th>Threshold</th><th>Samples</th></tr></thead><tbody>${rows}</tbody></table>`)}`;
}

function triggersTable(st: RolloutStatus, csrf: string): string {
  const latched = new Set(st.latches.map((l) => l.trigger));
  const rows = st.triggers
    .map(
      (
        t,
      ) => `<tr data-trigger="${esc(t.id)}"><td><code>${esc(t.id)}</code></td><td>${esc(t.description)}</td><td class="trigger-${esc(t.status)}">${esc(t.status)}</td>
<td>${latched.has(t.id) ? `<form class="inline" method="post" action="/console/rollout/rearm"><input type="hidden" name="_csrf" value="${esc(csrf)}"><input type="hidden" name="trigger" value="${esc(t.id)}"><input type="text" name="reason" required maxlength="500" placeholder="reason" size="12" aria-label="reason to re-arm ${esc(t.id)}"> <button type="submit">Re-arm…</button></form>` : ''}</td></tr>`,
    )
    .join('');
  return scrollBox(
    'Rollback triggers',
    `<table><thead><tr><th>Trigger</th><th>Condition</th><th>State</th><th>Re-arm</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function decisionsTable(ds: Decision[]): string {
  if (!ds.length) return '<p class="muted">No decisions recorded.</p>';
  const rows = ds
    .map(
      (
        d,
      ) => `<tr class="decision-${esc(d.kind)}"><td>${esc(d.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</td><td>${esc(d.kind)}${d.dryRun ? ' (dry run)' : ''}</td>
<td>${esc(d.fromPhase ?? '—')} → ${esc(d.toPhase ?? '—')}</td><td>${esc(d.triggers.join(', '))}</td><td>${esc(d.actor)}</td><td>${esc(d.reason ?? '')}</td>
<td><details><summary>evidence</summary>${dataTable(d.evidence)}</details></td></tr>`,
    )
    .join('');
  return scrollBox(
    'Decision records',
    `<table><thead><tr><th>When</th><th>Decision</th><th>Phase</th><th>Triggers</th><th>By</th><th>Reason</th><th>Evidence</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

export function rolloutSection(view: RolloutView, csrf: string): string {
  const phase = `<p>Current phase: <strong id="rollout-phase">${view.phase === null ? 'not phased (built-in defaults)' : esc(view.phase)}</strong>${view.status ? ` <span class="muted">· effective ${esc(view.status.effectivePhase)}${view.status.dryRun ? ' · triggers in dry run' : ''}${view.status.emergency ? ' · EMERGENCY ROLLBACK' : ''}</span>` : ''}</p>`;
  if (!view.available) {
    return `<section id="rollout"><h2>Rollout</h2>${phase}<p class="muted">The rollout controller is not running in this process, so gates, advance and rollback are unavailable here.</p></section>`;
  }
  // The first step of two: the next page says what is about to happen and asks for the typed word.
  const actionForm = (action: 'advance' | 'rollback', label: string, extra = '') => `
  <form method="post" action="/console/rollout/${action}" class="rollout-${action}">
    <input type="hidden" name="_csrf" value="${esc(csrf)}">
    <input type="text" name="reason" required maxlength="500" placeholder="reason (recorded)" aria-label="reason to ${action}">${extra}
    <button type="submit">${label}</button>
  </form>`;
  const force = ' <label><input type="checkbox" name="force" value="yes"> force past a failing gate</label>';
  return `<section id="rollout" class="wide"><h2>Rollout</h2>${phase}
  ${when(view.error, `<p class="flash error">${esc(view.error)}</p>`)}
  ${view.gate ? gateTable(view.gate) : ''}
  ${actionForm('advance', 'Advance to next phase…', force)}
  ${actionForm('rollback', 'Roll back one phase…')}
  </section>
  <section id="triggers" class="wide"><h2>Rollback triggers</h2>${view.status ? triggersTable(view.status, csrf) : ''}</section>
  <section id="decisions" class="wide"><h2>Decision records</h2><p>Incidents, with their escalation and timeline, are on the <a href="/console/incidents">Incidents</a> page.</p>${decisionsTable(view.decisions ?? [])}</section>`;
}
