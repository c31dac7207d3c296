// Rollout admin API and the trigger engine's guards: gates with measured values and attestations,
// advance refused while a gate fails (forced only with an audited reason), manual rollback,
// decisions, dry run, metrics; `for:` resets, hysteresis, minimum samples and missing signals.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { lognormal, normalTraffic, SimReplica, webhookSink, type Hook } from './support/rollout-sim.js';
import { waitFor } from './support/wait-for.js';

const AUTH = { authorization: 'Bearer test-admin-token-0123456789' };

describe('rollout admin API', () => {
  let tdb: TestDb;
  let r: SimReplica;
  let app: FastifyInstance;
  const call = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: body === undefined ? AUTH : { ...AUTH, 'content-type': 'application/json' },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    r = await new SimReplica(11).init(tdb.db);
    app = await buildApp(r.ctx, { logger: false });
    await app.ready();
    r.ctx.rollout.start();
  });
  afterAll(async () => {
    await app.close();
    await tdb.drop();
  });

  it('starts production at phase 0 and requires the admin token', async () => {
    expect((await app.inject({ method: 'GET', url: '/admin/rollout' })).statusCode).toBe(401);
    const s = (await call('GET', '/admin/rollout')).json();
    expect(s).toMatchObject({ environment: 'production', phase: 0, effectivePhase: 0, nextPhase: 1, dryRun: false });
    expect(s.triggers.length).toBeGreaterThan(5);
  });

  it('the gate reports every criterion; no data never passes; advance is refused while it fails', async () => {
    const g = (await call('GET', '/admin/rollout/gate')).json();
    expect(g).toMatchObject({ from: 0, to: 1, pass: false });
    const ids = g.criteria.map((c: { id: string }) => c.id);
    expect(ids).toEqual(['p95_latency', 'memory', 'error_rate', 'runbook_validated']);
    for (const c of g.criteria.filter((x: { kind: string }) => x.kind === 'measured')) {
      expect(c.pass, c.id).toBe(false); // no traffic, no memory samples yet
      expect(c.value).toBeNull();
    }
    const refused = await call('POST', '/admin/rollout/advance', { reason: 'try' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('gate_failed');
    expect(refused.json().error.details.criteria).toHaveLength(4);
    expect((await call('POST', '/admin/rollout/advance', { force: true })).statusCode).toBe(400);
    expect(r.ctx.flags.getPhase()).toBe(0);
  });

  it('with healthy measurements and an attestation the gate passes with values, windows and sample counts', async () => {
    await r.run(16 * 60); // a full gate window of healthy traffic and memory samples
    let g = (await call('GET', '/admin/rollout/gate')).json();
    const p95 = g.criteria.find((c: { id: string }) => c.id === 'p95_latency');
    expect(p95.pass).toBe(true);
    expect(p95.value).toBeGreaterThan(0);
    expect(p95.value).toBeLessThan(200);
    expect(p95.windowMs).toBe(15 * 60_000);
    expect(p95.samples).toBeGreaterThan(1000);
    expect(g.criteria.find((c: { id: string }) => c.id === 'runbook_validated').pass).toBe(false);
    expect((await call('POST', '/admin/rollout/attestations', { criterion: 'made_up', evidence: 'x' })).statusCode).toBe(400);
    expect(
      (
        await call('POST', '/admin/rollout/attestations', {
          criterion: 'runbook_validated',
          evidence: 'staging drill 2026-06-01, ticket OPS-12',
        })
      ).statusCode,
    ).toBe(201);
    g = (await call('GET', '/admin/rollout/gate')).json();
    expect(g.criteria.find((c: { id: string }) => c.id === 'runbook_validated').attestation).toMatchObject({
      evidence: 'staging drill 2026-06-01, ticket OPS-12',
    });
    expect(g.pass).toBe(true);
    const adv = await call('POST', '/admin/rollout/advance', { reason: 'gate green' });
    expect(adv.statusCode, adv.body).toBe(200);
    expect(r.ctx.flags.getPhase()).toBe(1);
    expect(r.ctx.flags.get('ENABLE_CURSOR_PAGINATION')).toBe(true);
    expect(r.ctx.flags.get('ENABLE_CIRCUIT_BREAKERS')).toBe(false);
  });

  it('a forced advance past a failing gate needs a reason and is audited', async () => {
    r.signals.cache_hit_ratio = null; // no cache data: the phase-2 gate cannot pass
    expect((await call('POST', '/admin/rollout/advance', {})).statusCode).toBe(409);
    const forced = await call('POST', '/admin/rollout/advance', { force: true, reason: 'cache metrics publisher not deployed yet' });
    expect(forced.statusCode, forced.body).toBe(200);
    expect(forced.json().decision).toMatchObject({ kind: 'advance', fromPhase: 1, toPhase: 2 });
    expect(forced.json().decision.evidence.forced).toBe(true);
    const audit = (await call('GET', '/admin/audit?limit=5&flag=ROLLOUT_FORCED_ADVANCE')).json().entries;
    expect(audit[0]).toMatchObject({ old: 1, new: 2, reason: 'cache metrics publisher not deployed yet' });
    r.signals.cache_hit_ratio = 0.82;
  });

  it('manual rollback needs a reason, records a decision and moves the phase', async () => {
    expect((await call('POST', '/admin/rollout/rollback', { phase: 2 })).statusCode).toBe(400);
    const res = await call('POST', '/admin/rollout/rollback', { phase: 2, reason: 'breaker storm' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'rollback', fromPhase: 2, toPhase: 1 });
    expect(r.ctx.flags.get('ENABLE_CIRCUIT_BREAKERS')).toBe(false);
    const d = (await call('GET', '/admin/rollout/decisions?limit=10')).json().decisions;
    expect(d.map((x: { kind: string }) => x.kind)).toEqual(['rollback', 'advance', 'advance']);
  });

  it('exposes the phase, trigger and flag gauges on /metrics and records requests per route group', async () => {
    const before = r.ctx.rollout.measurements.requests.read(60_000, r.clock.now(), 'api').requests;
    await app.inject({ method: 'GET', url: '/api/opportunities?limit=1' });
    expect(r.ctx.rollout.measurements.requests.read(60_000, r.clock.now(), 'api').requests).toBe(before + 1);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^dealerscope_rollout_phase 1$/m);
    expect((await call('GET', '/admin/feature-flags')).json()).toMatchObject({ phase: 1, phaseRecorded: true });
    expect(text).toMatch(/^dealerscope_rollout_trigger_firing\{trigger="p95_latency"\} 0$/m);
    expect(text).toMatch(/^dealerscope_feature_flag_enabled\{flag="ENABLE_CURSOR_PAGINATION"\} 1$/m);
    expect(text).toMatch(/^dealerscope_feature_flag_enabled\{flag="ENABLE_CIRCUIT_BREAKERS"\} 0$/m);
    // Numeric flags are on when they differ from v4: CACHE_MAX_SIZE keeps v4's 1,000 until phase 4.
    expect(r.ctx.flags.get('CACHE_MAX_SIZE')).toBe(1000);
    expect(text).toMatch(/^dealerscope_feature_flag_enabled\{flag="CACHE_MAX_SIZE"\} 0$/m);
    expect(text).toMatch(/^dealerscope_feature_flag_enabled\{flag="MAX_BROWSER_CONTEXTS"\} 0$/m);
  });

  it('dry run records and alerts but changes no flag and latches nothing', async () => {
    const d = await call('POST', '/admin/rollout/dry-run', { enabled: true, reason: 'trial' });
    expect(d.json().dryRun).toBe(true);
    const phase = r.ctx.flags.getPhase();
    const alerts: unknown[] = [];
    r.ctx.rollout.on('alert', (a) => alerts.push(a));
    r.rssMb = 170;
    await r.run(11 * 60);
    const decisions = (await call('GET', '/admin/rollout/decisions?limit=3')).json().decisions;
    expect(decisions[0]).toMatchObject({ kind: 'dry_run', triggers: ['memory_high'], dryRun: true });
    expect(r.ctx.flags.getPhase()).toBe(phase);
    expect((await call('GET', '/admin/rollout')).json().latches).toEqual([]);
    expect(alerts.length).toBeGreaterThan(0);
    r.rssMb = 95;
    await call('POST', '/admin/rollout/dry-run', { enabled: false, reason: 'trial over' });
  });
});

describe('trigger guards', () => {
  let tdb: TestDb;
  let r: SimReplica;
  const fired = () => r.ctx.rollout.decisions().then((d) => d.filter((x) => x.kind === 'auto_rollback').reverse()); // oldest first

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    r = await new SimReplica(5).init(tdb.db);
    await r.ctx.flagControl.setPhase(4, { actor: 'test', reason: 'start' });
    r.ctx.rollout.start();
    await r.run(120);
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it('a breach interrupted by one clean evaluation starts its for: duration again', async () => {
    r.signals.contract_compliance_ratio = 0.85;
    await r.run(4 * 60);
    r.signals.contract_compliance_ratio = 0.97; // recovered past the hysteresis bound
    await r.run(30);
    r.signals.contract_compliance_ratio = 0.85;
    await r.run(4 * 60);
    expect(await fired()).toEqual([]);
    await r.run(90);
    expect((await fired()).map((d) => d.triggers)).toEqual([['contract_compliance_low']]);
    await r.ctx.rollout.rearm({ actor: 'op', trigger: 'all', reason: 'test' });
    await r.ctx.flagControl.setPhase(4, { actor: 'test', reason: 'reset' });
    r.signals.contract_compliance_ratio = 0.97;
    await r.run(30);
  });

  it('a pending breach ends at the first evaluation back under the threshold: the next breach counts from zero', async () => {
    const n = (await fired()).length;
    r.signals.anomaly_false_positive_ratio = 0.06;
    await r.run(2 * 60);
    expect(r.ctx.rollout.engine.snapshot().find((s) => s.id === 'anomaly_false_positives')!.status).toBe('pending');
    r.signals.anomaly_false_positive_ratio = 0.045; // under the 5 % threshold: the window no longer breaches
    await r.run(30);
    expect(r.ctx.rollout.engine.snapshot().find((s) => s.id === 'anomaly_false_positives')!.status).toBe('ok');
    r.signals.anomaly_false_positive_ratio = 0.06;
    await r.run(4 * 60); // four minutes of the new breach: the first two do not count
    expect((await fired()).slice(n)).toHaveLength(0);
    await r.run(75);
    const d = (await fired()).slice(n);
    expect(d.map((x) => x.triggers)).toEqual([['anomaly_false_positives']]);
    await r.ctx.rollout.rearm({ actor: 'op', trigger: 'all', reason: 'test' });
    await r.ctx.flagControl.setPhase(4, { actor: 'test', reason: 'reset' });
    r.signals.anomaly_false_positive_ratio = 0.005;
    await r.run(30);
  });

  it('a cold cache is not an SLO breach: the hit rate counts once the cache has had data for two minutes', async () => {
    const n = (await fired()).length;
    const slo = () => r.ctx.rollout.engine.snapshot().find((s) => s.id === 'slo_violation')!;
    r.signals.cache_hit_ratio = null; // a restarted cache: no lookups yet
    await r.run(30);
    r.signals.cache_hit_ratio = 0.3; // cold: everything misses at first
    await r.run(60);
    expect(slo().status).toBe('ok');
    expect(slo().evidence.find((e) => e.metric === 'signal:cache_hit_ratio')!.skipped).toMatch(/warming up/);
    r.signals.cache_hit_ratio = 0.82;
    await r.run(3 * 60);
    expect(slo().status).toBe('ok');
    r.signals.cache_hit_ratio = 0.5; // a warm cache that stops hitting is a breach
    await r.run(30);
    expect(slo().status).toBe('pending');
    r.signals.cache_hit_ratio = 0.82;
    await r.run(30);
    expect(slo().status).toBe('ok');
    expect((await fired()).slice(n)).toEqual([]);
  });

  it('too few requests or a missing signal never fires, however bad the values', async () => {
    const n = (await fired()).length;
    r.traffic = { rps: 0.5, latency: (_i, rnd) => lognormal(rnd, 900, 0.2), error: () => true };
    r.signals.browser_pool_failure_ratio = null;
    await r.run(15 * 60);
    expect((await fired()).slice(n)).toEqual([]);
    const p95 = r.ctx.rollout.engine.snapshot().find((s) => s.id === 'p95_latency')!;
    expect(p95.evidence[0]!.skipped).toMatch(/fewer than 50/);
    const pool = r.ctx.rollout.engine.snapshot().find((s) => s.id === 'browser_pool_failures')!;
    expect(pool.evidence[0]!.skipped).toBe('no data');
    r.traffic = normalTraffic();
  });
});

describe('operator events reach the webhooks', () => {
  let tdb: TestDb;
  let r: SimReplica;
  let hook: Hook;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    hook = await webhookSink();
    r = await new SimReplica(17).init(tdb.db, {
      ALERT_WEBHOOK_ALERTS: `${hook.url}/alerts`,
      ALERT_WEBHOOK_DEPLOYMENTS: `${hook.url}/deployments`,
      ALERT_WEBHOOK_PERFORMANCE: `${hook.url}/performance`,
    });
  });
  afterAll(async () => {
    await hook.close();
    await tdb.drop();
  });

  // Waits for the first matching post (the caller's count assertion then checks there is one).
  const posted = async (path: string, re: RegExp) => {
    const matching = () => hook.received.filter((p) => p.path === path && re.test(String(p.body.text)));
    await waitFor(`a post on ${path} matching ${re}`, () => matching().length > 0).catch(() => undefined);
    return matching();
  };

  it('kill switch on and off post to #alerts and #deployments, once each', async () => {
    await r.ctx.flagControl.setOverrides({ EMERGENCY_ROLLBACK: true }, { actor: 'op', reason: 'drill' });
    expect(await posted('/alerts', /KILL SWITCH ON/)).toHaveLength(1);
    expect(await posted('/deployments', /KILL SWITCH ON/)).toHaveLength(1);
    // The person's reason travels with the message.
    expect(String((await posted('/alerts', /KILL SWITCH ON/))[0]?.body.text)).toMatch(/by op: drill\)$/);
    await r.ctx.flagControl.clearOverrides(['EMERGENCY_ROLLBACK'], { actor: 'op', reason: 'drill over' });
    expect(await posted('/alerts', /kill switch off/)).toHaveLength(1);
    expect(String((await posted('/deployments', /kill switch off/))[0]?.body.text)).toMatch(/by op: drill over\)$/);
  });

  it('a forced advance and a re-arm post to #deployments', async () => {
    await r.ctx.rollout.advance({ actor: 'op', reason: 'staging soak done', force: true });
    expect(await posted('/deployments', /FORCED past a failing gate/)).toHaveLength(1);
    r.rssMb = 170;
    r.ctx.rollout.start();
    await r.run(11 * 60);
    r.ctx.rollout.stop();
    await r.ctx.rollout.rearm({ actor: 'op', trigger: 'all', reason: 'memory fixed' });
    expect(await posted('/deployments', /re-armed by op: memory fixed/)).toHaveLength(1);
  });
});
