// The console's canary section: each percentage flag's cohorts side by side, the verdict and why,
// and the progressive runs. Numbers come from the same report as GET /admin/rollout/canary.
import type { CanaryReport, CanaryRun, CohortReport } from '../rollout/index.js';
import { esc, scrollBox } from './html.js';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);
const cohortCells = (c: CohortReport) => `<td>${c.requests}</td><td>${ms(c.p95Ms)}</td><td>${pct(c.errorRate)}</td>`;

export function canarySection(report: CanaryReport, runs: CanaryRun[]): string {
  const names = Object.keys(report.flags);
  const rows = names
    .map((name) => {
      const r = report.flags[name]!;
      const rollout = r.rollout
        ? `${r.rollout.percentage} %${r.rollout.stickiness ? ` by ${esc(r.rollout.stickiness)}` : ''}`
        : 'not in a rollout';
      const cls = r.verdict === 'fail' ? 'off' : r.verdict === 'pass' ? 'on' : 'muted';
      const tests = [
        r.latency ? `latency: Mann–Whitney p = ${r.latency.pGreater.toExponential(2)}, A = ${r.latency.effect.toFixed(3)}` : null,
        r.errors
          ? `5xx: ${r.errors.test === 'fisher-exact' ? 'Fisher exact' : 'two-proportion z'} p = ${r.errors.pGreater.toExponential(2)}`
          : null,
      ]
        .filter(Boolean)
        .join('<br>');
      return (
        `<tr data-canary-flag="${esc(name)}"><td><code>${esc(name)}</code><div class="src">${rollout}</div></td>${cohortCells(r.cohorts.treatment)}${cohortCells(r.cohorts.control)}` +
        `<td><span class="${cls}" data-verdict="${r.verdict}">${r.verdict}</span><div class="src">${r.reasons.map(esc).join('<br>')}</div><div class="src">${tests}</div></td></tr>`
      );
    })
    .join('');
  const table = names.length
    ? scrollBox(
        'Canary cohorts',
        `<table><thead><tr><th rowspan="2">Flag</th><th colspan="3">Treatment</th><th colspan="3">Control</th><th rowspan="2">Verdict</th></tr>` +
          `<tr><th>requests</th><th>p95</th><th>5xx</th><th>requests</th><th>p95</th><th>5xx</th></tr></thead><tbody>${rows}</tbody></table>`,
      )
    : '<p class="muted">No flag is in a percentage rollout. Set one with {"percentage": P} (admin API), <code>dealerscope flags set NAME=25%</code>, or the percentage field below.</p>';
  const runRows = runs
    .map(
      (r) =>
        `<li data-canary-run="${esc(r.flag)}"><code>${esc(r.flag)}</code> ${esc(r.state)} at ${r.percentage} % (steps ${r.steps.join(' → ')}, hold ${Math.round(r.holdMs / 1000)} s)${r.decisionId ? ` — decision #${r.decisionId}` : ''}</li>`,
    )
    .join('');
  return `<section id="canary" class="wide"><h2>Canary analysis</h2><p class="muted">Window ${Math.round(report.windowMs / 1000)} s, as of ${esc(report.at)}.</p>${table}${runs.length ? `<h3>Progressive runs</h3><ul>${runRows}</ul>` : ''}</section>`;
}
