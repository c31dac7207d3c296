// One truth per trigger: the controller's registry (src/rollout/triggers.ts) against the shipped
// Prometheus rules and the runbook's trigger table. Any difference in alert name, trigger label,
// threshold, for:, channel, severity, measured quantity or runbook section fails here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TRIGGERS, triggersFromEnv, type Condition, type TriggerDef } from '../src/rollout/triggers.js';
import { PROMTOOL, requireTool } from './e2e/support/tools.js';

const RULES = 'deploy/prometheus/rules/dealerscope-triggers.rules.yml';
const RUNBOOK = readFileSync('docs/runbook.md', 'utf8');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

const duration = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);
/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The fragment of a PromQL expression that states a condition's threshold. */
function promThreshold(c: Condition): string {
  if (c.metric === 'p95_ms') return `> ${c.threshold / 1000}`;
  if (c.metric === 'rss_mb') return `> ${c.threshold} * 1024 * 1024`;
  return `${c.op} ${c.threshold}`;
}

const percent = (v: number) => `${Math.round(v * 10000) / 100} %`;
function show(c: Condition, v: number): string {
  if (c.metric === 'p95_ms') return `${v} ms`;
  if (c.metric === 'rss_mb') return `${v} MB`;
  return percent(v);
}

/** The runbook's row for a trigger, exactly. */
export function runbookRow(t: TriggerDef): string {
  const when = t.conditions.map((c) => `${c.label} ${c.op} ${show(c, c.threshold)}`).join(' or ');
  const clears = t.conditions.map((c) => `${c.op === '>' ? '≤' : '≥'} ${show(c, c.clearAt)}`).join(', ');
  const phase = t.rollsBack === 'current' ? 'current' : `${t.rollsBack}${t.activeFrom ? ` (armed from ${t.activeFrom})` : ''}`;
  return `| \`${t.id}\` | \`${t.alert}\` | ${when} | ${clears} | ${duration(t.forMs)} | \`#${t.channel}\` | ${phase} | [section](#${t.runbook}) |`;
}

describe('the trigger registry is the one truth', () => {
  it.each(TRIGGERS.map((t) => [t.id, t] as const))('%s: the Prometheus rule says the same', (_id, t) => {
    const rule = rules.find((r) => r.alert === t.alert);
    expect(rule, `no rule ${t.alert}`).toBeDefined();
    expect(rule!.labels).toMatchObject({ trigger: t.id, channel: t.channel, severity: t.severity });
    expect(rule!.for).toBe(duration(t.forMs));
    expect(rule!.annotations.runbook).toBe(`docs/runbook.md#${t.runbook}`);
    for (const c of t.conditions) expect(rule!.expr, `${t.id}: ${c.label}`).toContain(promThreshold(c));
    // Measures what the controller measures, and nothing else.
    const uses = { rss_mb: /process_resident_memory_bytes/, p95_ms: /http_latency_seconds/, error_rate: /http_errors/ } as const;
    for (const [metric, re] of Object.entries(uses))
      expect(re.test(rule!.expr), `${t.id} and ${metric}`).toBe(t.conditions.some((c) => c.metric === metric));
  });

  it('every rule with a trigger label is in the registry; a pending trigger does not alert', () => {
    const ids = new Set(TRIGGERS.map((t) => t.id));
    for (const r of rules.filter((x) => x.labels.trigger)) expect(ids.has(r.labels.trigger!), r.alert).toBe(true);
    const firing = rules.find((r) => r.alert === 'DealerScopeRollbackTriggerFiring')!;
    expect(firing.expr).toMatch(/>= 1\s*$/);
  });

  it("the runbook's trigger table is the registry, row for row, and every section exists", () => {
    const table = RUNBOOK.split('\n').filter((l) => /^\| `[a-z_0-9]+` \| `DealerScope/.test(l));
    expect(table).toEqual(TRIGGERS.map(runbookRow));
    const headings = new Set(
      RUNBOOK.split('\n')
        .filter((l) => l.startsWith('#'))
        .map((l) => anchor(l.replace(/^#+/, ''))),
    );
    for (const t of TRIGGERS) expect(headings.has(t.runbook), t.runbook).toBe(true);
  });

  it.runIf(requireTool(PROMTOOL))('promtool accepts the rules and their unit tests', () => {
    execFileSync(PROMTOOL, ['check', 'rules', RULES], { stdio: 'pipe' });
    execFileSync(PROMTOOL, ['test', 'rules', 'tests/triggers.test.yml'], { cwd: 'deploy/prometheus', stdio: 'pipe' });
  });

  it('a deployment overrides for: and thresholds by environment; a typo is refused by name', () => {
    const t = triggersFromEnv({ ROLLOUT_TRIGGER_FOR_MS: '20000', ROLLOUT_TRIGGER_ERROR_RATE_HIGH_THRESHOLD: '0.05' });
    expect(t.every((x) => x.forMs === 20_000)).toBe(true);
    const e = t.find((x) => x.id === 'error_rate_high')!.conditions[0]!;
    expect(e.threshold).toBe(0.05);
    expect(e.clearAt).toBeCloseTo(0.04);
    expect(triggersFromEnv({}).find((x) => x.id === 'error_rate_high')!.conditions[0]!.threshold).toBe(0.01);
    expect(() => triggersFromEnv({ ROLLOUT_TRIGGER_EROR_RATE_HIGH_THRESHOLD: '0.05' })).toThrow(/ROLLOUT_TRIGGER_EROR_RATE_HIGH_THRESHOLD/);
    expect(() => triggersFromEnv({ ROLLOUT_TRIGGER_SLO_VIOLATION_THRESHOLD: '1' })).toThrow(/single-condition/);
    expect(() => triggersFromEnv({ ROLLOUT_TRIGGER_FOR_MS: 'soon' })).toThrow(/ROLLOUT_TRIGGER_FOR_MS/);
  });
});
