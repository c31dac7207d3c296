// `dealerscope rollout canary FLAG --steps 5,25,50,100`: starts a progressive canary in the running
// service (which measures the cohorts and raises or rolls back the flag) and follows it, printing
// each step and verdict until the run ends. Exit codes as the other rollout commands: 0 the canary
// completed, 2 it was rolled back, stalled or refused, 1 the service could not be asked.
import type { Command } from 'commander';

type Call = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<unknown>;
type Run = (fn: () => Promise<number | void>) => () => Promise<void>;

interface Cohort {
  requests: number;
  errors: number;
  errorRate: number | null;
  p95Ms: number | null;
}
interface Verdict {
  verdict: string;
  reasons: string[];
  cohorts: { treatment: Cohort; control: Cohort };
}
interface Run_ {
  flag: string;
  steps: number[];
  state: string;
  percentage: number;
  holdMs: number;
  lastVerdict: Verdict | null;
  decisionId: number | null;
}
interface Report {
  windowMs: number;
  flags: Record<string, Verdict & { rollout: { percentage: number; stickiness?: string } | null }>;
  runs: Run_[];
}

const cohortText = (c: Cohort) =>
  `${c.requests} req, p95 ${c.p95Ms ?? '—'} ms, 5xx ${c.errorRate === null ? '—' : `${(c.errorRate * 100).toFixed(2)} %`}`;

export function formatVerdict(v: Verdict): string {
  return `${v.verdict.toUpperCase()} — treatment ${cohortText(v.cohorts.treatment)}; control ${cohortText(v.cohorts.control)}\n    ${v.reasons.join('\n    ')}`;
}

export function registerCanaryCommands(rollout: Command, call: Call, run: Run): void {
  rollout
    .command('canary')
    .description(
      "progressive canary of a boolean flag: raise its percentage step by step while the cohorts' verdict passes; the service rolls it back to 0 when it fails",
    )
    .argument('<flag>', 'boolean flag, e.g. ENABLE_PRODUCTION_CACHE')
    .requiredOption('-s, --steps <list>', 'rising percentages, e.g. 5,25,50,100')
    .option('--hold <seconds>', 'how long each step must pass before the next', '300')
    .option('--stickiness <key>', 'apiKey or ip (default: the API key, else the client IP)')
    .option('-r, --reason <text>', 'why (audited with every step)')
    .option('--poll <seconds>', 'how often to ask the service for progress', '5')
    .option('--no-wait', 'start the canary and return at once')
    .action((flag: string, opts: { steps: string; hold: string; stickiness?: string; reason?: string; poll: string; wait: boolean }) =>
      run(async () => {
        const hold = Number(opts.hold);
        const poll = Number(opts.poll);
        if (!Number.isInteger(hold) || hold < 1) throw new Error(`--hold must be a whole number of seconds, got "${opts.hold}"`);
        if (!(poll > 0)) throw new Error(`--poll must be a positive number of seconds, got "${opts.poll}"`);
        const started = (await call('POST', `/admin/rollout/canary/${encodeURIComponent(flag)}`, {
          steps: opts.steps,
          holdSeconds: hold,
          stickiness: opts.stickiness,
          reason: opts.reason,
        })) as Run_;
        console.log(`canary of ${flag}: steps ${started.steps.join(' → ')} %, hold ${hold} s; now at ${started.percentage} %`);
        if (!opts.wait) return 0;
        let shown = `${started.percentage}:${started.state}`;
        let lastVerdict = '';
        for (;;) {
          await new Promise((r) => setTimeout(r, poll * 1000));
          const report = (await call('GET', '/admin/rollout/canary')) as Report;
          const r = report.runs.find((x) => x.flag === flag);
          if (!r) throw new Error('the service no longer knows this canary (restarted?)');
          const key = `${r.percentage}:${r.state}`;
          const v = r.lastVerdict ? formatVerdict(r.lastVerdict) : 'waiting for traffic';
          if (key !== shown || v.split('\n')[0] !== lastVerdict) {
            console.log(`  ${r.state} at ${r.percentage} % (step ${r.steps.indexOf(r.percentage) + 1 || '—'}/${r.steps.length}): ${v}`);
            shown = key;
            lastVerdict = v.split('\n')[0] ?? '';
          }
          if (r.state === 'running') continue;
          if (r.state === 'completed') {
            console.log(`canary of ${flag} completed at ${r.percentage} %`);
            return 0;
          }
          process.stderr.write(
            `canary of ${flag} ${r.state.replace('_', ' ')}${r.decisionId ? ` (decision #${r.decisionId}; re-arm with \`dealerscope rollout canary-rearm ${flag} -r …\`)` : ''}\n`,
          );
          return 2;
        }
      })(),
    );

  rollout
    .command('canary-status')
    .description("each percentage flag's cohorts, verdict and evidence over the analysis window, and the progressive runs")
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const report = (await call('GET', '/admin/rollout/canary')) as Report;
        if (opts.json) {
          console.log(JSON.stringify(report, null, 2));
          return 0;
        }
        const names = Object.keys(report.flags);
        if (!names.length) console.log('no flag is in a percentage rollout');
        for (const n of names) {
          const f = report.flags[n]!;
          console.log(
            `${n} at ${f.rollout ? `${f.rollout.percentage} %` : '(left its rollout)'} over ${Math.round(report.windowMs / 1000)} s: ${formatVerdict(f)}`,
          );
        }
        for (const r of report.runs)
          console.log(
            `run ${r.flag}: ${r.state} at ${r.percentage} % (steps ${r.steps.join(' → ')})${r.decisionId ? `, decision #${r.decisionId}` : ''}`,
          );
        return 0;
      })(),
    );

  rollout
    .command('canary-stop')
    .description('stop raising a running canary; the flag keeps its current percentage')
    .argument('<flag>', 'flag name')
    .action((flag: string) =>
      run(async () => {
        const r = (await call('DELETE', `/admin/rollout/canary/${encodeURIComponent(flag)}`)) as Run_;
        console.log(`canary of ${flag} stopped at ${r.percentage} %`);
      })(),
    );

  rollout
    .command('canary-rearm')
    .description('re-arm the canary of a flag that was rolled back, after the cause is fixed')
    .argument('<flag>', 'flag name')
    .requiredOption('-r, --reason <text>', 'why it is safe again')
    .action((flag: string, opts: { reason: string }) =>
      run(async () => {
        const r = (await call('POST', `/admin/rollout/canary/${encodeURIComponent(flag)}/rearm`, { reason: opts.reason })) as {
          rearmed: string[];
        };
        console.log(r.rearmed.length ? `re-armed ${r.rearmed.join(', ')}` : 'nothing was latched');
      })(),
    );
}
