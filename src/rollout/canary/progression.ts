// Progressive canary: raise a boolean flag's percentage step by step (5 → 25 → 50 → 100) while
// its verdict passes, and roll it back to 0 the moment the verdict fails. A rollback is handled
// like a phase trigger's: a decision record with the evidence, a latch (`canary:FLAG` in the
// rollout latches) that refuses new runs of that flag until a person re-arms it with a reason,
// and a message to the deployments channel. The rollout's dry-run switch applies: in dry run the
// failure is recorded and announced but the flag stays where it is.
import type { Environment } from '../../config/index.js';
import { type FlagControl, type FlagName, FLAGS, isFlagName, type PercentageRollout, type Stickiness } from '../../flags/index.js';
import type { Clock } from '../../common/clock.js';
import { ApiError } from '../../common/errors.js';
import type { Notification } from '../notifier.js';
import { addLatch, insertDecision, readLatches, removeLatches, type DecisionInput } from '../state-store.js';
import { MAX_STEP_MS, type CanaryAnalysis } from './analysis.js';
import type { CanaryVerdict } from './verdict.js';

export type RunState = 'running' | 'completed' | 'rolled_back' | 'stalled' | 'stopped';

export interface StepRecord {
  percentage: number;
  startedAt: string;
  endedAt: string | null;
  verdict: CanaryVerdict['verdict'] | null;
}

export interface CanaryRun {
  flag: FlagName;
  steps: number[];
  stickiness: Stickiness | null;
  holdMs: number;
  state: RunState;
  percentage: number;
  actor: string;
  reason: string | null;
  startedAt: string;
  updatedAt: string;
  history: StepRecord[];
  /** The latest verdict of the step in force (or of the step that ended the run). */
  lastVerdict: CanaryVerdict | null;
  decisionId: number | null;
}

export interface RunnerDeps {
  env: Environment;
  control: FlagControl;
  clock: Clock;
  analysis: CanaryAnalysis;
  notify: (n: Notification) => Promise<unknown>;
  dryRun: () => Promise<boolean>;
  /** How often running canaries are checked. */
  checkMs?: number;
}

export const latchId = (flag: string) => `canary:${flag}`;

/**
 * Family-wise α of the looks taken before a step's hold is over. Checking every few seconds is
 * many looks at one growing sample, and each look at the full α would add its own chance of a
 * false failure; like the Haybittle–Peto rule of clinical trials, the early looks stop only on
 * overwhelming evidence (p < 0.001 per signal) and the look at the end of the hold uses the full α.
 */
export const INTERIM_ALPHA = 0.002;

const STALL_GRACE_MS = 60_000;

/** Steps as given on the command line or in the body: ascending integers 1–100. */
export function parseSteps(input: unknown): number[] {
  const list =
    typeof input === 'string'
      ? input
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map(Number)
      : input;
  if (!Array.isArray(list) || list.length === 0 || list.length > 20)
    throw new ApiError(400, 'invalid_steps', 'steps must list 1–20 percentages, e.g. 5,25,50,100');
  for (let i = 0; i < list.length; i++) {
    const p: unknown = list[i];
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 100)
      throw new ApiError(400, 'invalid_steps', `step ${i + 1} must be an integer 1–100, got ${String(p)}`);
    if (i > 0 && p <= (list[i - 1] as number))
      throw new ApiError(400, 'invalid_steps', 'steps must rise strictly (a canary only adds clients)');
  }
  return list as number[];
}

export class CanaryRunner {
  private readonly runs = new Map<FlagName, CanaryRun>();
  private readonly stepStart = new Map<FlagName, number>();
  private timer: { cancel(): void } | null = null;
  private ticking: Promise<void> | null = null;
  readonly checkMs: number;

  constructor(private readonly d: RunnerDeps) {
    this.checkMs = d.checkMs ?? 5000;
  }

  private get db() {
    return this.d.control.backgroundDb();
  }

  list(): CanaryRun[] {
    return [...this.runs.values()];
  }

  get(flag: string): CanaryRun | null {
    return isFlagName(flag) ? (this.runs.get(flag) ?? null) : null;
  }

  async start(req: {
    flag: string;
    steps: number[];
    holdMs: number;
    stickiness?: Stickiness;
    actor: string;
    reason: string | null;
  }): Promise<CanaryRun> {
    const { flag } = req;
    if (!isFlagName(flag)) throw new ApiError(400, 'unknown_flag', `Unknown feature flag ${flag}`);
    if (FLAGS[flag].type !== 'boolean' || flag === 'EMERGENCY_ROLLBACK')
      throw new ApiError(400, 'not_a_canary_flag', `${flag} cannot run a percentage canary (boolean v5 flags only)`);
    if (!Number.isInteger(req.holdMs) || req.holdMs < 1000 || req.holdMs + Math.max(req.holdMs, STALL_GRACE_MS) > MAX_STEP_MS)
      throw new ApiError(400, 'invalid_hold', `hold must be 1 s – ${MAX_STEP_MS / 2000} s per step`);
    if (this.runs.get(flag)?.state === 'running') throw new ApiError(409, 'canary_running', `A canary of ${flag} is already running`);
    const latched = (await readLatches(this.db, this.d.env)).find((l) => l.trigger === latchId(flag));
    if (latched)
      throw new ApiError(
        409,
        'canary_latched',
        `The canary of ${flag} was rolled back (decision ${latched.decisionId}); re-arm it with a reason first`,
        latched,
      );
    if (this.d.control.view().emergency) throw new ApiError(409, 'emergency_rollback', 'EMERGENCY_ROLLBACK is on; no canary can start');
    const now = this.d.clock.now();
    const run: CanaryRun = {
      flag,
      steps: req.steps,
      stickiness: req.stickiness ?? null,
      holdMs: req.holdMs,
      state: 'running',
      percentage: 0,
      actor: req.actor,
      reason: req.reason,
      startedAt: iso(now),
      updatedAt: iso(now),
      history: [],
      lastVerdict: null,
      decisionId: null,
    };
    this.runs.set(flag, run);
    await this.enterStep(run, 0);
    this.schedule();
    return run;
  }

  async stop(flag: string, by: { actor: string; reason: string | null }): Promise<CanaryRun> {
    const run = this.get(flag);
    if (!run || run.state !== 'running') throw new ApiError(404, 'no_canary_running', `No canary of ${flag} is running`);
    this.finish(run, 'stopped');
    run.reason = by.reason ?? run.reason;
    return run;
  }

  /** Re-arms a rolled-back flag's canary latch; the reason is required and recorded. */
  async rearm(flag: string, by: { actor: string; reason: string | null }): Promise<{ rearmed: string[]; decisionId: number | null }> {
    if (!by.reason) throw new ApiError(400, 'reason_required', 'Re-arming a canary needs a reason');
    if (!isFlagName(flag)) throw new ApiError(400, 'unknown_flag', `Unknown feature flag ${flag}`);
    const rearmed = await removeLatches(this.db, this.d.env, [latchId(flag)]);
    if (!rearmed.length) return { rearmed, decisionId: null };
    const flags = this.d.control.view().flags;
    const decisionId = await this.record({
      kind: 'rearm',
      triggers: rearmed,
      actor: by.actor,
      reason: by.reason,
      dryRun: false,
      evidence: { flag },
      flagsBefore: flags,
      flagsAfter: flags,
    });
    return { rearmed, decisionId };
  }

  /** One check of every running canary; concurrent callers share it. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      for (const run of this.runs.values()) if (run.state === 'running') await this.check(run);
    })().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  close(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) return;
    const loop = () => {
      this.tick()
        .catch(() => {})
        .finally(() => {
          this.timer = null;
          if (this.list().some((r) => r.state === 'running')) this.schedule();
        });
    };
    this.timer = this.d.clock.setTimeout(loop, this.checkMs);
  }

  private async check(run: CanaryRun): Promise<void> {
    const started = this.stepStart.get(run.flag) as number;
    const now = this.d.clock.now();
    const interim = now - started < run.holdMs;
    const verdict = this.d.analysis.verdictFor(
      run.flag,
      started,
      interim ? Math.min(INTERIM_ALPHA, this.d.analysis.settings.alpha) : undefined,
    );
    run.lastVerdict = verdict;
    run.updatedAt = iso(now);
    const step = run.history[run.history.length - 1] as StepRecord;
    step.verdict = verdict.verdict;
    if (verdict.verdict === 'fail') return this.rollBack(run, verdict);
    if (interim) return;
    if (verdict.verdict === 'pass') {
      const next = run.steps.indexOf(run.percentage) + 1;
      if (next >= run.steps.length) return this.complete(run);
      return this.enterStep(run, next);
    }
    // Inconclusive after the hold: too little traffic. Wait up to twice the hold (a minute at
    // least), then stop raising and say so; nothing failed, so nothing is rolled back.
    if (now - started >= run.holdMs + Math.max(run.holdMs, STALL_GRACE_MS)) {
      this.finish(run, 'stalled');
      await this.d.notify({
        channel: 'deployments',
        text: `DealerScope ${this.d.env}: canary of ${run.flag} stalled at ${run.percentage} % — ${verdict.reasons.join('; ')}`,
        fields: { flag: run.flag },
      });
    }
  }

  private async enterStep(run: CanaryRun, index: number): Promise<void> {
    const percentage = run.steps[index] as number;
    const now = this.d.clock.now();
    const prev = run.history[run.history.length - 1];
    if (prev) prev.endedAt = iso(now);
    // At 100 % every client is treated, so there is no control left to compare with: the last
    // step turns the flag plainly on.
    const value: PercentageRollout | boolean =
      percentage === 100 ? true : run.stickiness ? { percentage, stickiness: run.stickiness } : { percentage };
    await this.d.control.setOverrides(
      { [run.flag]: value },
      { actor: run.actor, reason: `canary step ${index + 1}/${run.steps.length}: ${percentage} %${run.reason ? ` (${run.reason})` : ''}` },
    );
    run.percentage = percentage;
    run.history.push({ percentage, startedAt: iso(now), endedAt: null, verdict: null });
    this.stepStart.set(run.flag, now);
    run.lastVerdict = null;
    if (percentage === 100) this.finish(run, 'completed');
    await this.d.notify({
      channel: 'deployments',
      text: `DealerScope ${this.d.env}: canary of ${run.flag} at ${percentage} %${percentage === 100 ? ' — fully on' : ''}`,
      fields: { flag: run.flag, percentage },
    });
  }

  private async complete(run: CanaryRun): Promise<void> {
    this.finish(run, 'completed');
    await this.d.notify({
      channel: 'deployments',
      text: `DealerScope ${this.d.env}: canary of ${run.flag} completed at ${run.percentage} %`,
      fields: { flag: run.flag },
    });
  }

  private async rollBack(run: CanaryRun, verdict: CanaryVerdict): Promise<void> {
    const dryRun = await this.d.dryRun();
    const before = this.d.control.publicView().flags;
    const reason = `canary of ${run.flag} failed at ${run.percentage} %: ${verdict.reasons.join('; ')}`;
    if (!dryRun)
      await this.d.control.setOverrides({ [run.flag]: { percentage: 0 } }, { actor: 'canary-controller', reason: reason.slice(0, 500) });
    const after = this.d.control.publicView().flags;
    const decisionId = await this.record({
      kind: dryRun ? 'dry_run' : 'auto_rollback',
      triggers: [latchId(run.flag)],
      actor: 'canary-controller',
      reason,
      dryRun,
      evidence: {
        flag: run.flag,
        steps: run.steps,
        failedAt: run.percentage,
        history: run.history,
        verdict,
        window: { since: run.history.at(-1)?.startedAt, settings: this.d.analysis.settings },
      },
      flagsBefore: before,
      flagsAfter: after,
    });
    if (!dryRun) await addLatch(this.db, this.d.env, latchId(run.flag), decisionId, this.d.clock.now());
    run.decisionId = decisionId;
    run.lastVerdict = verdict;
    if (!dryRun) run.percentage = 0;
    this.finish(run, 'rolled_back');
    const prefix = dryRun ? '[dry run] ' : '';
    await this.d.notify({
      channel: 'deployments',
      text: `${prefix}DealerScope ${this.d.env}: canary of ${run.flag} FAILED — ${verdict.reasons.join('; ')}; ${dryRun ? 'would roll back' : 'rolled back'} to 0 %. ${dryRun ? '' : 'Latched until re-armed.'}`.trim(),
      fields: { decisionId, flag: run.flag, trigger: latchId(run.flag) },
    });
  }

  private finish(run: CanaryRun, state: RunState): void {
    run.state = state;
    run.updatedAt = iso(this.d.clock.now());
    const last = run.history[run.history.length - 1];
    if (last && last.endedAt === null && state !== 'completed') last.endedAt = run.updatedAt;
  }

  private async record(
    d: Pick<DecisionInput, 'kind' | 'triggers' | 'actor' | 'reason' | 'dryRun' | 'evidence' | 'flagsBefore' | 'flagsAfter'>,
  ): Promise<number> {
    const phase = this.d.control.view().phase;
    return insertDecision(this.db, this.d.env, this.d.clock.now(), { ...d, fromPhase: phase, toPhase: phase });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
