// Percentage rollouts and canary analysis on the real app over HTTP. Cohorts: sticky by client IP
// (X-Forwarded-For believed from TRUST_PROXY) or API key, as the documented hash says, and raising
// P only adds clients. Proof: a test-only route reads a real flag, and only its treatment path
// carries an injected regression (a 25 ms sleep, or 5xx answers); the canary's verdict fails, the
// flag goes back to 0 % with a decision, a latch and a #deployments message, while the
// whole-service triggers have not fired. And an A/A run over HTTP passes every step.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { cohortOf } from '../src/flags/percentage.js';
import type { FlagName } from '../src/flags/registry.js';
import { buildApp } from '../src/http/app.js';
import type { AppContext } from '../src/http/context.js';
import { createContext } from '../src/http/service.js';
import { canaryOf } from '../src/rollout/canary/routes.js';
import { issueApiKey } from '../src/security/api-keys.js';
import { createSqliteDb, type TestDb } from './support/databases.js';
import { webhookSink, type Hook } from './support/rollout-sim.js';
import { PROMTOOL, requireTool, run as runTool } from './e2e/support/tools.js';

const TOKEN = 'canary-admin-token-0123456789';
type Json = Record<string, any>;

/** What the test-only routes do on their flag's treatment path. */
const inject: Partial<Record<FlagName, { slowMs?: number; errorEvery?: number }>> = {};

describe('percentage rollouts and canary analysis over HTTP', () => {
  let tdb: TestDb;
  let hook: Hook;
  let ctx: AppContext;
  let app: FastifyInstance;
  let url: string;

  const admin = async (method: string, path: string, body?: unknown, reason?: string) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(reason ? { 'x-change-reason': reason } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const ipOf = (i: number) => `10.7.${(i >> 8) & 255}.${i & 255}`;
  /**
   * `count` requests from `clients` client IPs, eight at a time: in turn from `offset`, or (for
   * latency comparisons) each from a random client, since in turn a client would always take the
   * same place in its batch of eight and the later places wait longer.
   */
  const traffic = async (
    path: string,
    count: number,
    clients = 400,
    offset: number | 'random' = 0,
  ): Promise<Array<{ ip: string; treated: boolean; status: number }>> => {
    const out: Array<{ ip: string; treated: boolean; status: number }> = [];
    for (let i = 0; i < count; i += 8) {
      const batch = Array.from({ length: Math.min(8, count - i) }, async (_, j) => {
        const ip = ipOf(offset === 'random' ? Math.floor(Math.random() * clients) : (offset + i + j) % clients);
        const res = await fetch(`${url}${path}`, { headers: { 'x-forwarded-for': ip } });
        const body = (await res.json()) as Json;
        out.push({ ip, treated: body.treated === true, status: res.status });
      });
      await Promise.all(batch);
    }
    return out;
  };
  /** Sends traffic until the flag's canary run leaves `running` (or the budget is spent). */
  const driveUntilSettled = async (flag: FlagName, path: string, budget: number) => {
    let sent = 0;
    // A step judges only the 5 s buckets that began after it did, so a fast machine can spend the
    // request budget inside the bucket the step started in: the budget is also at least 30 s.
    const started = Date.now();
    for (;;) {
      const { body } = await admin('GET', '/admin/rollout/canary');
      const run = (body.runs as Json[]).find((r) => r.flag === flag);
      if (run && run.state !== 'running') return { run, sent, report: body };
      if (sent >= budget && Date.now() - started > 30_000)
        throw new Error(`canary of ${flag} still running after ${sent} requests: ${JSON.stringify(run?.lastVerdict?.reasons)}`);
      await traffic(path, 100, 400, 'random');
      sent += 100;
      await canaryOf(app).runner.tick();
    }
  };

  beforeAll(async () => {
    tdb = await createSqliteDb();
    hook = await webhookSink();
    const config = loadConfig({
      DEALERSCOPE_ENV: 'development',
      ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '1000000',
      TRUST_PROXY: '127.0.0.1',
      ALERT_WEBHOOK_DEPLOYMENTS: `${hook.url}/deployments`,
      // The real A/A run below is one draw. Its requests go eight at a time, and requests in one
      // burst share the machine's load, so the rank test's p-values run low under a busy suite
      // (one A/A failed in a full run at p = 0.0049 with α = 0.01). α = 0.001 leaves a wide margin, and
      // the injected regressions below still fail their steps (p ≤ 5e-6 in runs here).
      // The default α's false-failure rate is measured by simulation (canary-stats.test.ts).
      CANARY_ALPHA: '0.001',
      // The runner's timer stays out of the way: the test ticks it after each burst of traffic.
      CANARY_CHECK_MS: '3600000',
    });
    ctx = await createContext(config, { db: tdb.db });
    app = await buildApp(ctx, { logger: false });
    // Test-only routes: each reads one real flag; only the treatment path carries the injection.
    const probe = (flag: FlagName) => async (_req: unknown, reply: { status(n: number): unknown }) => {
      const treated = ctx.flags.get(flag) as boolean;
      const inj = inject[flag];
      if (treated && inj?.slowMs) await sleep(inj.slowMs);
      if (treated && inj?.errorEvery && Math.random() < 1 / inj.errorEvery) {
        reply.status(500);
        return { treated, error: 'injected' };
      }
      return { treated };
    };
    for (const [path, flag] of [
      ['/api/probe-latency', 'ENABLE_ANOMALY_DETECTION'],
      ['/api/probe-errors', 'ENABLE_SCHEMA_VALIDATION'],
      ['/api/probe-aa', 'ENABLE_PROVENANCE_TRACKING'],
      ['/api/probe-sticky', 'ENABLE_TTL_JITTER'],
      ['/api/probe-cli', 'ENABLE_CIRCUIT_BREAKERS'],
    ] as const) {
      app.get(path, probe(flag));
    }
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await hook?.close();
    await tdb?.drop();
  });

  it('takes {"percentage": P} for boolean flags only, shows it as the value, and refuses bad ones whole', async () => {
    const bad = await admin('POST', '/admin/feature-flags', { ENABLE_TTL_JITTER: { percentage: 101 }, ENABLE_SINGLE_FLIGHT: false });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toMatch(/percentage must be an integer 0–100/);
    const notBool = await admin('POST', '/admin/feature-flags', { MAX_BROWSER_CONTEXTS: { percentage: 10 } });
    expect(notBool.status).toBe(400);
    expect((await admin('POST', '/admin/feature-flags', { EMERGENCY_ROLLBACK: { percentage: 10 } })).status).toBe(400);
    expect((await admin('POST', '/admin/feature-flags', { ENABLE_TTL_JITTER: { percentage: 5, stickiness: 'cookie' } })).status).toBe(400);
    const unchanged = await admin('GET', '/admin/feature-flags');
    expect(unchanged.body.flags.ENABLE_SINGLE_FLIGHT).toBe(true);
    expect(unchanged.body.flags.ENABLE_TTL_JITTER).toBe(true);

    const set = await admin('POST', '/admin/feature-flags', { ENABLE_TTL_JITTER: { percentage: 10, stickiness: 'ip' } }, 'canary test');
    expect(set.status).toBe(200);
    expect(set.body.flags.ENABLE_TTL_JITTER).toEqual({ percentage: 10, stickiness: 'ip' });
    expect(set.body.sources.ENABLE_TTL_JITTER).toBe('override');
    const audit = await admin('GET', '/admin/audit?flag=ENABLE_TTL_JITTER');
    expect(audit.body.entries[0].new).toEqual({ percentage: 10, stickiness: 'ip' });
  });

  it('puts a client in the treatment by the documented hash of its IP, keeps it there, and raising P only adds clients', async () => {
    await admin('POST', '/admin/feature-flags', { ENABLE_TTL_JITTER: { percentage: 10, stickiness: 'ip' } });
    const at10 = await traffic('/api/probe-sticky', 400);
    const treated10 = new Set(at10.filter((r) => r.treated).map((r) => r.ip));
    for (const r of at10)
      expect(r.treated).toBe(
        cohortOf('ENABLE_TTL_JITTER', { percentage: 10, stickiness: 'ip' }, { apiKey: null, ip: r.ip }) === 'treatment',
      );
    expect(treated10.size / 400).toBeGreaterThan(0.05);
    expect(treated10.size / 400).toBeLessThan(0.16);
    // The same clients again: the same answers.
    const again = await traffic('/api/probe-sticky', 400);
    expect(new Set(again.filter((r) => r.treated).map((r) => r.ip))).toEqual(treated10);

    await admin('POST', '/admin/feature-flags', { ENABLE_TTL_JITTER: { percentage: 50, stickiness: 'ip' } });
    const at50 = await traffic('/api/probe-sticky', 400);
    const treated50 = new Set(at50.filter((r) => r.treated).map((r) => r.ip));
    for (const ip of treated10) expect(treated50.has(ip)).toBe(true);
    expect(treated50.size / 400).toBeGreaterThan(0.42);
    expect(treated50.size / 400).toBeLessThan(0.58);
  }, 120_000);

  it('sticks to the API key by default, whatever address the key calls from', async () => {
    await admin('POST', '/admin/feature-flags', { ENABLE_TTL_JITTER: { percentage: 50 } });
    const keys = await Promise.all(Array.from({ length: 12 }, (_, i) => issueApiKey(tdb.db, `canary-${i}`, 1000, Date.now())));
    for (const { key } of keys) {
      const expected = cohortOf('ENABLE_TTL_JITTER', { percentage: 50 }, { apiKey: key, ip: 'unused' }) === 'treatment';
      for (const ip of ['10.9.0.1', '10.9.0.2', '10.9.0.3']) {
        const res = await fetch(`${url}/api/probe-sticky`, { headers: { 'x-api-key': key, 'x-forwarded-for': ip } });
        expect(((await res.json()) as Json).treated).toBe(expected);
      }
    }
    await admin('DELETE', '/admin/feature-flags/ENABLE_TTL_JITTER', undefined, 'done');
  });

  it('PROOF (latency): a 25 ms regression on the treatment path fails the verdict and rolls the flag back, before any whole-service trigger fires', async () => {
    const FLAG = 'ENABLE_ANOMALY_DETECTION';
    inject[FLAG] = { slowMs: 25 };
    const start = await admin('POST', `/admin/rollout/canary/${FLAG}`, {
      steps: '20,50,100',
      holdSeconds: 600,
      stickiness: 'ip',
      reason: 'canary proof',
    });
    expect(start.status).toBe(202);
    expect(start.body.percentage).toBe(20);
    expect((await admin('GET', '/admin/feature-flags')).body.flags[FLAG]).toEqual({ percentage: 20, stickiness: 'ip' });

    const { run, sent, report } = await driveUntilSettled(FLAG, '/api/probe-latency', 4000);
    expect(run.state).toBe('rolled_back');
    expect(run.history[0].percentage).toBe(20);
    const v = run.lastVerdict;
    expect(v.verdict).toBe('fail');
    expect(v.latency.regression).toBe(true);
    // Every treatment request slept 25 ms: the medians sit that far apart whatever the machine's load.
    expect(v.cohorts.treatment.p50Ms - v.cohorts.control.p50Ms).toBeGreaterThan(15);
    expect(v.cohorts.treatment.p95Ms).toBeGreaterThan(v.cohorts.control.p95Ms);
    console.log(
      `latency proof: failed after ${sent} requests; treatment ${v.cohorts.treatment.requests} req p95 ${v.cohorts.treatment.p95Ms} ms, control ${v.cohorts.control.requests} req p95 ${v.cohorts.control.p95Ms} ms; A = ${v.latency.effect.toFixed(3)}, p = ${v.latency.pGreater.toExponential(2)}`,
    );

    // Back to 0 %: nobody gets the slow path any more.
    expect((await admin('GET', '/admin/feature-flags')).body.flags[FLAG]).toEqual({ percentage: 0 });
    expect((await traffic('/api/probe-latency', 200)).every((r) => !r.treated)).toBe(true);
    expect(report.flags[FLAG].rollout).toEqual({ percentage: 0 });

    // The whole service: its triggers have not fired (they need minutes of breach; the canary
    // needed seconds). On an idle machine the whole-service P95 is far under the 250 ms trigger;
    // it is logged, not asserted, since a loaded test machine can push it up on its own.
    const whole = ctx.rollout.measurements.requests.read(5 * 60_000, Date.now());
    console.log(`whole service meanwhile: ${whole.requests} requests, p95 ${whole.p95Ms?.toFixed(1)} ms, error rate ${whole.errorRate}`);
    expect(await ctx.rollout.evaluate()).toEqual([]);
    const states = Object.fromEntries(ctx.rollout.engine.snapshot().map((s) => [s.id, s.status]));
    expect(states.p95_latency).not.toBe('fired');
    expect(states.error_rate_high).toBe('ok');
    expect(((await admin('GET', '/admin/rollout')).body.latches as Json[]).filter((l) => !String(l.trigger).startsWith('canary:'))).toEqual(
      [],
    );

    // Decision with evidence, latch, #deployments.
    const decisions = (await admin('GET', '/admin/rollout/decisions')).body.decisions as Json[];
    const d = decisions.find((x) => x.triggers.includes(`canary:${FLAG}`));
    expect(d?.kind).toBe('auto_rollback');
    expect(d?.evidence.verdict.verdict).toBe('fail');
    expect(d?.flagsBefore[FLAG]).toEqual({ percentage: 20, stickiness: 'ip' });
    expect(d?.flagsAfter[FLAG]).toEqual({ percentage: 0 });
    expect(((await admin('GET', '/admin/rollout')).body.latches as Json[]).map((l) => l.trigger)).toContain(`canary:${FLAG}`);
    const msg = hook.received.find(
      (m) => m.path === '/deployments' && /canary of ENABLE_ANOMALY_DETECTION FAILED/.test(String(m.body.text)),
    );
    expect(msg?.body.decisionId).toBe(d?.id);

    // Latched: no new run until a person re-arms with a reason.
    expect((await admin('POST', `/admin/rollout/canary/${FLAG}`, { steps: [5] })).body.error.code).toBe('canary_latched');
    expect((await admin('POST', `/admin/rollout/canary/${FLAG}/rearm`, {})).status).toBe(400);
    const rearm = await admin('POST', `/admin/rollout/canary/${FLAG}/rearm`, { reason: 'slow path fixed' });
    expect(rearm.body.rearmed).toEqual([`canary:${FLAG}`]);
    inject[FLAG] = {};
    const again = await admin('POST', `/admin/rollout/canary/${FLAG}`, { steps: [5], holdSeconds: 600 });
    expect(again.status).toBe(202);
    expect((await admin('DELETE', `/admin/rollout/canary/${FLAG}`)).body.state).toBe('stopped');

    // Exported with a bounded cohort label.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /dealerscope_canary_requests_total\{flag="ENABLE_ANOMALY_DETECTION",cohort="treatment",status_class="2xx"\} \d+/,
    );
    expect(metrics).toMatch(
      /dealerscope_canary_request_duration_seconds_bucket\{le="0.05",flag="ENABLE_ANOMALY_DETECTION",cohort="control"\}/,
    );
    expect([...metrics.matchAll(/cohort="([^"]+)"/g)].every((m) => m[1] === 'treatment' || m[1] === 'control')).toBe(true);
    expect(metrics).toMatch(/dealerscope_canary_verdict\{flag="ENABLE_ANOMALY_DETECTION",verdict="fail"\} 1/);
    if (requireTool(PROMTOOL)) {
      const lint = await runTool(PROMTOOL, ['check', 'metrics'], { input: metrics });
      expect(lint.stdout + lint.stderr).not.toMatch(/dealerscope_canary/);
    }
  }, 120_000);

  it('PROOF (5xx): one treatment request in ten failing fails the verdict and rolls back, while the error trigger has not fired', async () => {
    const FLAG = 'ENABLE_SCHEMA_VALIDATION';
    inject[FLAG] = { errorEvery: 10 };
    expect((await admin('POST', `/admin/rollout/canary/${FLAG}`, { steps: [20, 100], holdSeconds: 600, stickiness: 'ip' })).status).toBe(
      202,
    );
    const { run, sent } = await driveUntilSettled(FLAG, '/api/probe-errors', 6000);
    expect(run.state).toBe('rolled_back');
    const v = run.lastVerdict;
    expect(v.errors.regression).toBe(true);
    console.log(
      `5xx proof: failed after ${sent} requests; treatment ${v.cohorts.treatment.errors}/${v.cohorts.treatment.requests} 5xx vs control ${v.cohorts.control.errors}/${v.cohorts.control.requests} (${v.errors.test}, p = ${v.errors.pGreater.toExponential(2)})`,
    );
    expect(await ctx.rollout.evaluate()).toEqual([]);
    expect((await admin('GET', '/admin/feature-flags')).body.flags[FLAG]).toEqual({ percentage: 0 });
  }, 120_000);

  it('A/A over HTTP: with the same code path in both cohorts, every step passes and the run completes', async () => {
    const FLAG = 'ENABLE_PROVENANCE_TRACKING';
    expect((await admin('POST', `/admin/rollout/canary/${FLAG}`, { steps: [20, 50], holdSeconds: 4, stickiness: 'ip' })).status).toBe(202);
    const { run, sent } = await driveUntilSettled(FLAG, '/api/probe-aa', 8000);
    expect(run.state, JSON.stringify(run)).toBe('completed');
    expect(run.history.map((h: Json) => [h.percentage, h.verdict])).toEqual([
      [20, 'pass'],
      [50, 'pass'],
    ]);
    const v = run.lastVerdict;
    console.log(
      `A/A over HTTP: completed after ${sent} requests; last step treatment ${v.cohorts.treatment.requests} req p95 ${v.cohorts.treatment.p95Ms} ms vs control ${v.cohorts.control.requests} req p95 ${v.cohorts.control.p95Ms} ms; latency p = ${v.latency.pGreater.toFixed(3)}, A = ${v.latency.effect.toFixed(3)}`,
    );
    expect((await admin('GET', '/admin/feature-flags')).body.flags[FLAG]).toEqual({ percentage: 50, stickiness: 'ip' });
    const canary = (await admin('GET', '/admin/rollout/canary')).body;
    expect(canary.flags[FLAG].cohorts.treatment.requests).toBeGreaterThan(0);
    expect(hook.received.some((m) => /canary of ENABLE_PROVENANCE_TRACKING completed at 50 %/.test(String(m.body.text)))).toBe(true);
  }, 120_000);

  it('shows the cohorts and verdicts on the console, and sets a percentage from its form', async () => {
    const login = await fetch(`${url}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: `token=${TOKEN}`,
    });
    const cookie = `ds_session=${/ds_session=([^;]+)/.exec(String(login.headers.get('set-cookie')))?.[1]}`;
    const page = await (await fetch(`${url}/console`, { headers: { cookie } })).text();
    expect(page).toContain('<section id="canary"');
    // The A/A flag's row, with the verdict the API gives.
    const api = (await admin('GET', '/admin/rollout/canary')).body;
    const row = /<tr data-canary-flag="ENABLE_PROVENANCE_TRACKING">[\s\S]*?<\/tr>/.exec(page)?.[0] ?? '';
    expect(row).toContain(`data-verdict="${api.flags.ENABLE_PROVENANCE_TRACKING.verdict}"`);
    expect(row).toContain('50 % by ip');
    expect(page).toMatch(/data-canary-run="ENABLE_ANOMALY_DETECTION">.*rolled_back/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    const post = await fetch(`${url}/console/flags`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: csrf,
        name: 'ENABLE_SINGLE_FLIGHT',
        value: '30%',
        reason: 'console canary',
        confirm: 'ENABLE_SINGLE_FLIGHT',
      }).toString(),
    });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toContain('result=flag-set');
    expect((await admin('GET', '/admin/feature-flags')).body.flags.ENABLE_SINGLE_FLIGHT).toEqual({ percentage: 30 });
    const after = await (await fetch(`${url}/console`, { headers: { cookie } })).text();
    expect(after).toMatch(/data-flag-row="ENABLE_SINGLE_FLIGHT">[\s\S]*?data-percentage="30"/);
    await admin('DELETE', '/admin/feature-flags/ENABLE_SINGLE_FLIGHT', undefined, 'done');
  });

  it('dealerscope rollout canary FLAG --steps follows the run to its end and exits 2 on a rollback', async () => {
    const FLAG = 'ENABLE_CIRCUIT_BREAKERS';
    inject[FLAG] = { slowMs: 25 };
    const cli = new URL('../bin/dealerscope.js', import.meta.url).pathname;
    const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          cli,
          'rollout',
          'canary',
          FLAG,
          '--steps',
          '20,50,100',
          '--hold',
          '600',
          '--stickiness',
          'ip',
          '--poll',
          '0.2',
          '-r',
          'cli canary',
        ],
        { env: { ...process.env, DEALERSCOPE_URL: url, ADMIN_TOKEN: TOKEN }, timeout: 90_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      );
    });
    let finished: { code: number; stdout: string; stderr: string } | null = null;
    void done.then((r) => {
      finished = r;
    });
    // Wait for the CLI to start the run, then give it traffic until it reports the end.
    for (let i = 0; i < 100 && !finished && !canaryOf(app).runner.get(FLAG); i++) await sleep(100);
    for (let sent = 0; !finished && sent < 6000 && canaryOf(app).runner.get(FLAG)?.state !== 'rolled_back'; sent += 100) {
      await traffic('/api/probe-cli', 100, 400, 'random');
      await canaryOf(app).runner.tick();
    }
    const r = await done;
    expect(r.stdout).toMatch(/canary of ENABLE_CIRCUIT_BREAKERS: steps 20 → 50 → 100 %, hold 600 s; now at 20 %/);
    expect(r.stdout).toMatch(/rolled_back at 0 % .*FAIL — treatment \d+ req, p95/);
    expect(r.stderr).toMatch(
      /canary of ENABLE_CIRCUIT_BREAKERS rolled back \(decision #\d+; re-arm with `dealerscope rollout canary-rearm ENABLE_CIRCUIT_BREAKERS/,
    );
    expect(r.code).toBe(2);
    expect((await admin('GET', '/admin/feature-flags')).body.flags[FLAG]).toEqual({ percentage: 0 });
  }, 120_000);
});
