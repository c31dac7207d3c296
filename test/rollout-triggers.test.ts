// Automatic rollback under an injected clock: each rollback trigger fires within its `for:`
// duration plus one evaluation interval once its breach is injected, rolls its phase back, writes
// the decision with its evidence, latches until re-armed and notifies its webhook channel; a clean
// hour with normal noise rolls nothing back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseValues } from '../src/flags/registry.js';
import type { Decision } from '../src/rollout/state-store.js';
import { TRIGGERS } from '../src/rollout/triggers.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { lognormal, normalTraffic, SimReplica, webhookSink, type Hook } from './support/rollout-sim.js';
import { waitFor } from './support/wait-for.js';

const INTERVAL = 15_000;
const MIN = 60_000;

interface Case {
  trigger: string;
  breach: string;
  inject: (r: SimReplica) => void;
  expectedPhase: number;
  channel: 'alerts' | 'performance';
}

// Deterministic breaches: every k-th request slow or failing, signals set outright.
const CASES: Case[] = [
  {
    trigger: 'p95_latency',
    breach: '10 % of requests at 400 ms (P95 ≈ 400 ms)',
    expectedPhase: 3,
    channel: 'performance',
    inject: (r) => {
      r.traffic = { ...normalTraffic(), latency: (i, rnd) => (i % 10 === 0 ? 400 : lognormal(rnd, 40, 0.5)) };
    },
  },
  {
    trigger: 'memory_high',
    breach: 'RSS 160 MB',
    expectedPhase: 3,
    channel: 'performance',
    inject: (r) => {
      r.rssMb = 160;
    },
  },
  {
    trigger: 'error_rate_high',
    breach: '1.5 % of requests 503',
    expectedPhase: 3,
    channel: 'performance',
    inject: (r) => {
      r.traffic = { ...normalTraffic(), error: (i) => i % 200 < 3 };
    },
  },
  {
    trigger: 'slo_violation',
    breach: 'cache hit rate 60 %',
    expectedPhase: 3,
    channel: 'performance',
    inject: (r) => {
      r.signals.cache_hit_ratio = 0.6;
    },
  },
  {
    trigger: 'error_rate_critical',
    breach: '10 % of requests 503',
    expectedPhase: 3,
    channel: 'alerts',
    inject: (r) => {
      r.traffic = { ...normalTraffic(), error: (i) => i % 10 === 0 };
    },
  },
  {
    trigger: 'memory_critical',
    breach: 'RSS 210 MB',
    expectedPhase: 3,
    channel: 'alerts',
    inject: (r) => {
      r.rssMb = 210;
    },
  },
  {
    trigger: 'breaker_false_positives',
    breach: 'breaker false positives 8 %',
    expectedPhase: 1,
    channel: 'performance',
    inject: (r) => {
      r.signals.breaker_false_positive_ratio = 0.08;
    },
  },
  {
    trigger: 'rate_limit_legitimate_refusals',
    breach: '3 % of under-limit clients refused',
    expectedPhase: 1,
    channel: 'performance',
    inject: (r) => {
      r.signals.rate_limit_legitimate_refusal_ratio = 0.03;
    },
  },
  {
    trigger: 'contract_compliance_low',
    breach: 'contract compliance 85 %',
    expectedPhase: 2,
    channel: 'performance',
    inject: (r) => {
      r.signals.contract_compliance_ratio = 0.85;
    },
  },
  {
    trigger: 'anomaly_false_positives',
    breach: 'anomaly false positives 7 %',
    expectedPhase: 2,
    channel: 'performance',
    inject: (r) => {
      r.signals.anomaly_false_positive_ratio = 0.07;
    },
  },
  {
    trigger: 'browser_pool_failures',
    breach: 'browser pool failures 15 %',
    expectedPhase: 3,
    channel: 'performance',
    inject: (r) => {
      r.signals.browser_pool_failure_ratio = 0.15;
    },
  },
];

describe('rollback triggers under an injected clock', () => {
  let hook: Hook;
  const dbs: TestDb[] = [];
  const table: string[] = [];

  beforeAll(async () => {
    hook = await webhookSink();
  });
  afterAll(async () => {
    await hook.close();
    for (const d of dbs) await d.drop();
    // The measured table for the report.
    console.log(
      ['| trigger | injected breach | for | window | time to rollback | bound |', '|---|---|---|---|---|---|', ...table].join('\n'),
    );
  });

  async function replica(seed: number): Promise<SimReplica> {
    const tdb = await createTestDb('sqlite');
    dbs.push(tdb);
    const r = await new SimReplica(seed).init(tdb.db, {
      ALERT_WEBHOOK_ALERTS: `${hook.url}/alerts`,
      ALERT_WEBHOOK_DEPLOYMENTS: `${hook.url}/deployments`,
      ALERT_WEBHOOK_PERFORMANCE: `${hook.url}/performance`,
    });
    await r.ctx.flagControl.setPhase(4, { actor: 'test', reason: 'start at phase 4' });
    r.ctx.rollout.start();
    return r;
  }

  it('every trigger has a case, posting to the channel the registry names', () => {
    expect(CASES.map((c) => c.trigger).sort()).toEqual(TRIGGERS.map((t) => t.id).sort());
    for (const c of CASES) expect(c.channel, c.trigger).toBe(TRIGGERS.find((t) => t.id === c.trigger)!.channel);
  });

  it.each(CASES)(
    '$trigger fires within for + one interval after "$breach"',
    async (c) => {
      const def = TRIGGERS.find((t) => t.id === c.trigger)!;
      const r = await replica(c.trigger.length * 7919);
      const decisions: Decision[] = [];
      r.ctx.rollout.on('decision', (d: Decision) => decisions.push(d));
      await r.run(180); // three healthy minutes: windows full, the cache past its warm-up, nothing pending
      expect(decisions).toEqual([]);
      const hooksBefore = hook.received.length;

      const injectedAt = r.clock.now();
      c.inject(r);
      let firedAt: number | null = null;
      // A windowed condition shows a breach once the breach fills enough of its window: the bound is
      // the measurement window + the for: duration + one evaluation interval.
      const windowMs = Math.max(...def.conditions.map((x) => x.windowMs));
      const bound = windowMs + def.forMs + INTERVAL;
      for (let s = 0; s < (bound + 2 * INTERVAL) / 1000 && firedAt === null; s++) {
        await r.run(1);
        if (decisions.some((d) => d.kind === 'auto_rollback')) firedAt = r.clock.now();
      }
      expect(firedAt, 'did not fire').not.toBeNull();
      const elapsed = (firedAt as number) - injectedAt;
      table.push(
        `| ${c.trigger} | ${c.breach} | ${def.forMs / MIN} min | ${windowMs / 1000} s | ${(elapsed / 1000).toFixed(0)} s | ${(bound / 1000).toFixed(0)} s |`,
      );
      expect(elapsed).toBeGreaterThanOrEqual(def.forMs);
      expect(elapsed).toBeLessThanOrEqual(bound);

      const d = decisions.find((x) => x.kind === 'auto_rollback')!;
      expect(d.triggers).toContain(c.trigger);
      expect(d.fromPhase).toBe(4);
      expect(d.toPhase).toBe(c.expectedPhase);
      // The flags in force are the previous phase's values, and the record says so.
      const now = r.ctx.flagControl.view();
      expect(now.phase).toBe(c.expectedPhase);
      for (const [k, v] of Object.entries(phaseValues(c.expectedPhase))) expect(now.flags[k as keyof typeof now.flags], k).toBe(v);
      expect((d.flagsAfter as Record<string, unknown>).CACHE_PROVIDER).toBe('memory');
      expect((d.flagsBefore as Record<string, unknown>).CACHE_PROVIDER).toBe('redis');
      const firing = (
        d.evidence as {
          firings: Array<{
            trigger: string;
            conditions: Array<{ threshold: number; value: number | null; samples: number | null; breaching: boolean }>;
          }>;
        }
      ).firings.find((f) => f.trigger === c.trigger)!;
      const breaching = firing.conditions.find((x) => x.breaching)!;
      expect(breaching.value).not.toBeNull();
      expect(typeof breaching.threshold).toBe('number');
      expect('samples' in breaching).toBe(true);

      // Latched: stays rolled back and quiet while the breach continues, until a person re-arms it.
      const st = await r.ctx.rollout.status();
      expect(st.latches.map((l) => l.trigger)).toContain(c.trigger);
      await r.run(def.forMs / 1000 + 30);
      // (Another trigger may still act on a breach that outlives the rollback; this one may not.)
      expect(decisions.filter((x) => x.kind === 'auto_rollback' && x.triggers.includes(c.trigger))).toHaveLength(1);
      await expect(r.ctx.rollout.rearm({ actor: 'op', trigger: c.trigger, reason: '' })).rejects.toThrow(/reason/);
      const re = await r.ctx.rollout.rearm({ actor: 'op', trigger: 'all', reason: 'fixed upstream' });
      expect(re.rearmed).toContain(c.trigger);
      expect((await r.ctx.rollout.status()).latches).toEqual([]);

      // Notified on the trigger's channel and, for the phase change, on deployments.
      const posts = () => hook.received.slice(hooksBefore);
      await waitFor(`the post on #${c.channel}`, () =>
        posts().some((p) => p.path === `/${c.channel}` && p.body.trigger === c.trigger && typeof p.body.text === 'string'),
      );
      await waitFor('the post on #deployments', () => posts().some((p) => p.path === '/deployments'));
      r.ctx.rollout.stop();
    },
    120_000,
  );

  it('at phase 0 a breach is recorded, alerted and latched, and no phase moves', async () => {
    const r = await replica(77);
    await r.ctx.flagControl.setPhase(0, { actor: 'test', reason: 'production starts at phase 0' });
    const decisions: Decision[] = [];
    r.ctx.rollout.on('decision', (d: Decision) => decisions.push(d));
    await r.run(180);
    const hooksBefore = hook.received.length;
    r.rssMb = 160;
    const def = TRIGGERS.find((t) => t.id === 'memory_high')!;
    for (let s = 0; s < (def.forMs + 3 * INTERVAL) / 1000 && decisions.length === 0; s++) await r.run(1);
    const d = decisions.find((x) => x.kind === 'auto_rollback')!;
    expect(d).toMatchObject({ fromPhase: 0, toPhase: 0, triggers: ['memory_high'] });
    expect(d.evidence).toMatchObject({ note: 'already at phase 0: nothing to roll back', pinned: [] });
    expect((d.evidence as { unrecorded?: unknown }).unrecorded).toBeUndefined();
    const view = r.ctx.flagControl.view();
    expect(view.phase).toBe(0);
    expect(r.ctx.flagControl.heldPhase()).toBeNull();
    for (const [k, v] of Object.entries(phaseValues(0))) expect(view.flags[k as keyof typeof view.flags], k).toBe(v);
    // The gate still reads (a phase of -1 made it throw), and the latch holds the fleet at phase 0.
    expect(await r.ctx.rollout.gate()).toMatchObject({ from: 0, to: 1, pass: false });
    expect((await r.ctx.rollout.status()).latches.map((l) => l.trigger)).toEqual(['memory_high']);
    await waitFor('the post on #performance', () =>
      hook.received.slice(hooksBefore).some((p) => p.path === '/performance' && /nothing to roll back/.test(String(p.body.text))),
    );
    expect(hook.received.slice(hooksBefore).some((p) => p.path === '/deployments')).toBe(false);
    // No phase outside 0–4 can be held or announced, even when the database cannot take it.
    await expect(r.ctx.flagControl.setPhaseEvenOffline(-1, { actor: 'test', reason: 'bad' })).rejects.toThrow(/phase must be 0–4/);
    expect(r.ctx.flagControl.view().phase).toBe(0);
    r.ctx.rollout.stop();
  }, 120_000);

  it('a clean hour with normal noise rolls nothing back', async () => {
    const r = await replica(2024);
    const decisions: Decision[] = [];
    r.ctx.rollout.on('decision', (d: Decision) => decisions.push(d));
    // Noise may make a condition pending for a moment (two errors in a 1,200-request window read
    // as 0.17 %); the for: duration is what keeps that from rolling anything back.
    let pendingMinutes = 0;
    for (let m = 0; m < 60; m++) {
      r.noise();
      await r.run(60);
      if (r.ctx.rollout.engine.snapshot().some((s) => s.status !== 'ok')) pendingMinutes++;
    }
    console.log(`clean hour: ${pendingMinutes} of 60 minutes ended with a trigger pending; 0 rollbacks`);
    expect(decisions).toEqual([]);
    expect((await r.ctx.rollout.decisions()).length).toBe(0);
    expect(r.ctx.flagControl.view().phase).toBe(4);
    // Evaluations really ran on live data: the P95 trigger saw every request group.
    const p95 = r.ctx.rollout.engine.snapshot().find((s) => s.id === 'p95_latency')!;
    expect(p95.evidence[0]!.samples).toBeGreaterThan(1000);
    r.ctx.rollout.stop();
  }, 120_000);
});
