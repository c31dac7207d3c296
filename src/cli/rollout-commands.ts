// `dealerscope rollout …`: talks to a running service's admin API (DEALERSCOPE_URL, ADMIN_TOKEN),
// because gates are measured inside the service. Exit codes: 0 done / gate passes, 1 could not
// run (unreachable, not authorised, server error), 2 refused (gate fails, bad request, conflict).
import { CommanderError } from 'commander';
import { intBetween } from './options.js';
import type { Command } from 'commander';
import type { GateReport } from '../rollout/index.js';
import { registerCanaryCommands } from './canary-commands.js';

export const ROLLOUT_EXIT = { ok: 0, failed: 1, refused: 2 } as const;

class RefusedError extends Error {
  constructor(
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const base = (process.env.DEALERSCOPE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = process.env.ADMIN_TOKEN;
  if (!token) throw new Error('ADMIN_TOKEN is not set');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    // fetch's own message is "fetch failed"; the operator needs the address and the reason.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new Error(`cannot reach ${base} (DEALERSCOPE_URL): ${why}`);
  }
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (res.ok) return parsed;
  const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
  const msg = `${res.status} ${err?.code ?? ''}: ${err?.message ?? text.slice(0, 200)}`;
  if (res.status === 401 || res.status === 403 || res.status >= 500) throw new Error(msg);
  throw new RefusedError(msg, parsed);
}

/** The gate as the API reports it (GET /admin/rollout/gate, and a refused advance's details). */
type Gate = Pick<GateReport, 'from' | 'to' | 'pass' | 'windowMs' | 'criteria'>;

export function formatGate(g: Gate): string {
  const lines = [`gate ${g.from} → ${g.to}: ${g.pass ? 'PASS' : 'FAIL'}`];
  for (const c of g.criteria) {
    const mark = c.pass ? 'pass' : 'FAIL';
    if (c.kind === 'attestation') {
      lines.push(
        `  [${mark}] ${c.label}: ${c.attestation ? `attested by ${c.attestation.actor} at ${c.attestation.at} — ${c.attestation.evidence}` : 'not attested (dealerscope rollout attest ' + c.id + ' --evidence …)'}`,
      );
    } else {
      const window = c.windowMs ? `${Math.round(c.windowMs / 1000)} s window` : 'current value';
      lines.push(
        `  [${mark}] ${c.label}: ${c.value ?? 'no data'} (${c.threshold} ${c.unit ?? ''}; ${window}${c.samples === null ? '' : `, ${c.samples} samples`})${c.note ? ` — ${c.note}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

function run(fn: () => Promise<number | void>) {
  return async () => {
    try {
      process.exitCode = (await fn()) ?? ROLLOUT_EXIT.ok;
    } catch (err) {
      if (err instanceof RefusedError) {
        process.stderr.write(`refused: ${err.message}\n`);
        const details = (err.body as { error?: { details?: Gate } } | null)?.error?.details;
        if (details && Array.isArray(details.criteria)) process.stderr.write(`${formatGate(details)}\n`);
        process.exitCode = ROLLOUT_EXIT.refused;
        return;
      }
      throw err;
    }
  };
}

export function registerRolloutCommands(program: Command): void {
  const rollout = program
    .command('rollout')
    .description(
      'phased rollout over the admin API of a running service (DEALERSCOPE_URL, ADMIN_TOKEN); exit codes: 0 done, 1 failed, 2 refused or wrong usage (e.g. rearm without --reason)',
    )
    // Set before the subcommands are added so they inherit it: wrong usage exits 2, not 1.
    .exitOverride((err) => {
      throw err.exitCode === 0 ? err : new CommanderError(ROLLOUT_EXIT.refused, `dealerscope.usage.${err.code}`, err.message);
    });
  const print = (json: boolean | undefined, v: unknown, human: () => string) => console.log(json ? JSON.stringify(v, null, 2) : human());

  rollout
    .command('status')
    .description('current phase, dry-run switch, trigger states and latched triggers')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const s = (await call('GET', '/admin/rollout')) as {
          environment: string;
          phase: number | null;
          effectivePhase: number;
          dryRun: boolean;
          emergency: boolean;
          triggers: Array<{ id: string; status: string }>;
          latches: Array<{ trigger: string; latchedAt: string }>;
        };
        print(opts.json, s, () =>
          [
            `${s.environment}: phase ${s.effectivePhase}${s.phase === null ? ' (none recorded: v5 whole)' : ''}${s.dryRun ? ', triggers in DRY RUN' : ''}${s.emergency ? ', EMERGENCY ROLLBACK ON' : ''}`,
            ...s.triggers.map((t) => `  ${t.id}: ${t.status}`),
            ...(s.latches.length
              ? ['latched (re-arm with `dealerscope rollout rearm`):', ...s.latches.map((l) => `  ${l.trigger} since ${l.latchedAt}`)]
              : []),
          ].join('\n'),
        );
      })(),
    );

  rollout
    .command('gate')
    .description('every criterion of the gate into the next phase; exit 0 when it passes, 2 when it fails')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const g = (await call('GET', '/admin/rollout/gate')) as Gate;
        print(opts.json, g, () => formatGate(g));
        return g.pass ? ROLLOUT_EXIT.ok : ROLLOUT_EXIT.refused;
      })(),
    );

  rollout
    .command('advance')
    .description('move to the next phase; refused while its gate fails unless --force with --reason (audited)')
    .option('-r, --reason <text>', 'why')
    .option('--force', 'advance past a failing gate (needs --reason)')
    .action((opts: { reason?: string; force?: boolean }) =>
      run(async () => {
        const r = (await call('POST', '/admin/rollout/advance', { reason: opts.reason, force: opts.force === true })) as {
          decision: { fromPhase: number; toPhase: number };
        };
        console.log(`phase ${r.decision.fromPhase} → ${r.decision.toPhase}`);
      })(),
    );

  rollout
    .command('rollback')
    .description('roll phase N (default: the current one) and every later phase back to N-1, or only --features of it')
    .option('-p, --phase <n>', 'the phase to roll back (1–4)', intBetween(1, 4))
    .option('-f, --features <list>', 'comma-separated features, e.g. browser_pool,redis_cache')
    .requiredOption('-r, --reason <text>', 'why (audited)')
    .action((opts: { phase?: number; features?: string; reason: string }) =>
      run(async () => {
        const body = {
          reason: opts.reason,
          phase: opts.phase,
          features: opts.features
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        };
        const d = (await call('POST', '/admin/rollout/rollback', body)) as { id: number; fromPhase: number; toPhase: number };
        console.log(`decision ${d.id}: phase ${d.fromPhase} → ${d.toPhase}`);
      })(),
    );

  rollout
    .command('decisions')
    .description('recent rollout decisions with their evidence')
    .option('-n, --limit <n>', 'how many (1–500)', intBetween(1, 500), 20)
    .option('--json', 'print JSON')
    .action((opts: { limit: number; json?: boolean }) =>
      run(async () => {
        const r = (await call('GET', `/admin/rollout/decisions?limit=${opts.limit}`)) as {
          decisions: Array<{
            id: number;
            at: string;
            kind: string;
            fromPhase: number | null;
            toPhase: number | null;
            triggers: string[];
            actor: string;
            reason: string | null;
          }>;
        };
        print(opts.json, r, () =>
          r.decisions
            .map(
              (d) =>
                `${d.at}  #${d.id} ${d.kind} ${d.fromPhase ?? ''}→${d.toPhase ?? ''} ${d.triggers.join(',')} by ${d.actor}${d.reason ? `: ${d.reason}` : ''}`,
            )
            .join('\n'),
        );
      })(),
    );

  rollout
    .command('rearm')
    .description('re-arm a latched trigger (or all) after the cause is fixed')
    .argument('<trigger>', 'trigger id or "all"')
    .requiredOption('-r, --reason <text>', 'why it is safe again')
    .action((trigger: string, opts: { reason: string }) =>
      run(async () => {
        const r = (await call('POST', '/admin/rollout/rearm', { trigger, reason: opts.reason })) as { rearmed: string[] };
        console.log(r.rearmed.length ? `re-armed ${r.rearmed.join(', ')}` : 'nothing was latched');
      })(),
    );

  rollout
    .command('attest')
    .description(
      'record an attestation for a gate criterion the service cannot measure (security_scan, runbook_validated, csrf_all_forms, rate_limit_enforced)',
    )
    .argument('<criterion>', 'criterion id')
    .requiredOption('-e, --evidence <text>', 'link or summary of the evidence')
    .action((criterion: string, opts: { evidence: string }) =>
      run(async () => {
        await call('POST', '/admin/rollout/attestations', { criterion, evidence: opts.evidence });
        console.log(`attested ${criterion}`);
      })(),
    );

  rollout
    .command('dry-run')
    .description('switch trigger dry-run on or off (decisions and alerts, no flag changes)')
    .argument('<state>', 'on or off')
    .option('-r, --reason <text>', 'why')
    .action((state: string, opts: { reason?: string }) =>
      run(async () => {
        if (state !== 'on' && state !== 'off') throw new RefusedError(`state must be on or off, not ${JSON.stringify(state)}`, null);
        await call('POST', '/admin/rollout/dry-run', { enabled: state === 'on', reason: opts.reason });
        console.log(`dry run ${state}`);
      })(),
    );

  registerCanaryCommands(rollout, call, run);
}
