// The shipped Prometheus, Alertmanager and Grafana files: promtool checks and rule unit tests,
// routing and dashboard consistency, and a real Prometheus scraping a running service.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RunningService } from '../src/http/service.js';
import { freePort } from './support/redis.js';
import { startTestService, type TestService } from './support/service.js';
import { PROMETHEUS, PROMTOOL, requireTool, run } from './e2e/support/tools.js';

const PROM_DIR = join(import.meta.dirname, '..', 'deploy', 'prometheus');
const GRAFANA_DIR = join(import.meta.dirname, '..', 'deploy', 'grafana');
const RULE_FILES = readdirSync(join(PROM_DIR, 'rules'))
  .filter((f) => f.endsWith('.rules.yml'))
  .map((f) => join(PROM_DIR, 'rules', f));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = RULE_FILES.flatMap((f) =>
  (parse(readFileSync(f, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules),
);
const alerts = rules.filter((r) => r.alert);

const promtoolOk = requireTool(PROMTOOL);
const prometheusOk = requireTool(PROMETHEUS);

describe.runIf(promtoolOk)('promtool', () => {
  it('accepts every rule file', async () => {
    const r = await run(PROMTOOL, ['check', 'rules', ...RULE_FILES]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).not.toMatch(/FAILED/);
  });

  it('accepts the scrape configuration with its rule files', async () => {
    const r = await run(PROMTOOL, ['check', 'config', 'prometheus.yml'], { cwd: PROM_DIR });
    expect(r.code, r.stderr + r.stdout).toBe(0);
  });

  it('passes the rule unit tests (P95, error-rate and burn-rate triggers)', async () => {
    const r = await run(PROMTOOL, ['test', 'rules', 'tests/triggers.test.yml'], { cwd: PROM_DIR });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });

  it('rule unit tests fail when a trigger threshold is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-promrules-'));
    try {
      cpSync(PROM_DIR, dir, { recursive: true });
      const f = join(dir, 'rules', 'dealerscope-triggers.rules.yml');
      writeFileSync(
        f,
        readFileSync(f, 'utf8').replace('dealerscope:http_errors:ratio_rate1m > 0.01', 'dealerscope:http_errors:ratio_rate1m > 0.05'),
      );
      const r = await run(PROMTOOL, ['test', 'rules', 'tests/triggers.test.yml'], { cwd: dir });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/DealerScopeErrorRateHigh/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('alert rules and routing', () => {
  const am = parse(readFileSync(join(PROM_DIR, 'alertmanager.yml'), 'utf8')) as {
    route: { receiver: string; routes: { matchers: string[]; receiver: string }[] };
    receivers: { name: string; slack_configs: { channel: string; api_url_file?: string; api_url?: string }[] }[];
  };
  const routeFor = (labels: Record<string, string>) => {
    const child = am.route.routes.find((r) =>
      r.matchers.every((m) => {
        const [, k, v] = /^(\w+)="([^"]*)"$/.exec(m) ?? [];
        return k !== undefined && labels[k] === v;
      }),
    );
    return child?.receiver ?? am.route.receiver;
  };

  it('mirrors the rollout controller rollback triggers with their durations', () => {
    const byName = new Map(alerts.map((a) => [a.alert, a as Rule & { for?: string }]));
    const expectRule = (name: string, exprPart: RegExp, dur: string) => {
      const r = byName.get(name);
      expect(r, name).toBeDefined();
      expect(r?.expr).toMatch(exprPart);
      expect(r?.for).toBe(dur);
    };
    expectRule('DealerScopeP95LatencyHigh', /> 0\.25/, '5m');
    expectRule('DealerScopeMemoryHigh', /> 150 \* 1024 \* 1024/, '10m');
    expectRule('DealerScopeMemoryCritical', /> 200 \* 1024 \* 1024/, '10m');
    expectRule('DealerScopeErrorRateHigh', /> 0\.01/, '3m');
    expectRule('DealerScopeErrorRateCritical', /> 0\.02/, '3m');
    expectRule('DealerScopeSloViolation', /> 0\.2/, '5m');
    expectRule('DealerScopeBreakerFalsePositives', /> 0\.05/, '5m');
    expectRule('DealerScopeContractComplianceLow', /< 0\.9/, '5m');
    expectRule('DealerScopeAnomalyFalsePositivesHigh', /> 0\.05/, '5m');
    expectRule('DealerScopeBrowserPoolFailures', /> 0\.1/, '5m');
    expect(byName.has('DealerScopeRateLimitBlockingLegitimate')).toBe(true);
  });

  it('routes every alert to the Slack channel its channel label names', () => {
    const receivers = new Map(am.receivers.map((r) => [r.name, r]));
    const channels = new Set<string>();
    for (const a of alerts) {
      const channel = a.labels?.channel;
      expect(['alerts', 'deployments', 'performance'], `${a.alert} channel`).toContain(channel);
      const rec = receivers.get(routeFor(a.labels ?? {}));
      expect(rec?.slack_configs[0]?.channel, a.alert).toBe(`#${channel}`);
      channels.add(channel as string);
    }
    expect([...channels].sort()).toEqual(['alerts', 'deployments', 'performance']);
    // Webhook URLs are mounted secrets, never committed.
    for (const r of am.receivers) for (const s of r.slack_configs) expect(s.api_url).toBeUndefined();
  });
});

describe('runbook', () => {
  it('has the section every alert links to', () => {
    const text = readFileSync(join(import.meta.dirname, '..', 'docs', 'runbook.md'), 'utf8');
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const anchors = new Set(
      [...text.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
        (m[1] as string)
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const a of alerts) {
      const link = a.annotations?.runbook ?? '';
      expect(link, a.alert).toMatch(/^docs\/runbook\.md#/);
      expect(anchors, `${a.alert} → ${link}`).toContain(link.split('#')[1]);
    }
  });
});

describe('Grafana dashboards', () => {
  const files = ['api-performance', 'security-metrics', 'data-quality', 'production-overview'];
  interface Panel {
    title: string;
    type: string;
    targets: { expr: string }[];
  }
  const dashboards = files.map((f) => ({
    file: f,
    json: JSON.parse(readFileSync(join(GRAFANA_DIR, 'dashboards', `${f}.json`), 'utf8')) as { uid: string; title: string; panels: Panel[] },
  }));
  const exprs = dashboards.flatMap((d) => d.json.panels.flatMap((p) => p.targets.map((t) => t.expr)));
  const recorded = new Set(rules.filter((r) => r.record).map((r) => r.record as string));
  const KNOWN =
    /^(http_request_duration_seconds(_bucket|_count|_sum)?|process_resident_memory_bytes|up|dealerscope_(cache_requests_total|circuit_breaker_state|rate_limited_total|feature_flag_enabled|rollout_phase|rollout_trigger_firing|browser_contexts|contract_compliance_ratio|data_quality_score|anomaly_false_positive_ratio|signal_value|build_info|console_sse_clients|alerts_total))$/;

  it('ships the four plan dashboards with unique uids', () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(4);
    for (const d of dashboards) expect(d.json.panels.length).toBeGreaterThan(3);
    const prov = parse(readFileSync(join(GRAFANA_DIR, 'provisioning', 'dashboards.yml'), 'utf8')) as { providers: { type: string }[] };
    expect(prov.providers[0]?.type).toBe('file');
  });

  it('queries only exported metric names and recorded series', () => {
    const unknown: string[] = [];
    for (const e of exprs) {
      const names =
        e
          .replace(/"[^"]*"/g, '""')
          .replace(/\[[^\]]*\]/g, '')
          .match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\{|\)|$|\s|\/|>|<|\*))/g) ?? [];
      for (const n of names) {
        if (
          /^(sum|max|min|by|rate|increase|histogram_quantile|le|route|status_code|result|state|breaker|flag|trigger|version|node_version|instance|channel|severity|source|and|or|on)$/.test(
            n,
          )
        )
          continue;
        if (!KNOWN.test(n) && !recorded.has(n)) unknown.push(`${n} in ${e}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('shows every contract metric (docs/metrics.md) somewhere', () => {
    const all =
      exprs.join('\n') +
      '\n' +
      rules
        .filter((r) => r.record)
        .map((r) => r.expr)
        .join('\n');
    for (const n of [
      'http_request_duration_seconds',
      'process_resident_memory_bytes',
      'dealerscope_cache_requests_total',
      'dealerscope_circuit_breaker_state',
      'dealerscope_rate_limited_total',
      'dealerscope_feature_flag_enabled',
      'dealerscope_rollout_phase',
      'dealerscope_rollout_trigger_firing',
      'dealerscope_browser_contexts',
      'dealerscope_contract_compliance_ratio',
      'dealerscope_data_quality_score',
      'dealerscope_anomaly_false_positive_ratio',
    ]) {
      expect(all, n).toContain(n);
    }
  });

  it('has every panel an alert annotation points operators to', () => {
    const panels = new Set(dashboards.flatMap((d) => d.json.panels.map((p) => `${d.file} / ${p.title}`)));
    for (const a of alerts) expect(panels, `${a.alert}: ${a.annotations?.dashboard}`).toContain(a.annotations?.dashboard);
  });
});

describe.runIf(prometheusOk)('a real Prometheus scraping a running service', () => {
  let service: TestService;
  let svc: RunningService;
  let prom: ChildProcess;
  let dir: string;
  let promUrl: string;

  const api = async (path: string) => {
    const res = await fetch(`${promUrl}${path}`);
    return (await res.json()) as { status: string; data: any };
  };
  async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 25_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const v = await fn();
        if (v !== undefined) return v;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
  }

  beforeAll(async () => {
    service = await startTestService({ token: 'test-admin-token-0123456789', name: 'prometheus', sample: false });
    ({ svc, dir } = service);
    const target = new URL(svc.url).host.replace('localhost', '127.0.0.1');
    // The shipped rules, evaluated every second instead of every 15-30 s so the test stays short.
    for (const f of RULE_FILES) {
      writeFileSync(join(dir, f.split('/').pop() as string), readFileSync(f, 'utf8').replace(/^(\s+interval:) \d+s$/gm, '$1 1s'));
    }
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files:',
        ...RULE_FILES.map((f) => `  - ${join(dir, f.split('/').pop() as string)}`),
        'scrape_configs:',
        '  - job_name: dealerscope',
        `    static_configs: [{ targets: ['${target}'] }]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
  }, 60_000);

  afterAll(async () => {
    if (prom && prom.exitCode === null) {
      await new Promise<void>((resolve) => {
        prom.once('exit', () => resolve());
        prom.kill('SIGTERM');
        setTimeout(() => prom.kill('SIGKILL'), 5000).unref();
      });
    }
    await service?.close();
  });

  it('scrapes the service, evaluates the recording and alert rules', async () => {
    const up = await until('the target to be up', async () => {
      const t = await api('/api/v1/targets');
      const active = t.data.activeTargets as { health: string; labels: { job: string } }[];
      return active.find((x) => x.labels.job === 'dealerscope' && x.health === 'up');
    });
    expect(up.health).toBe('up');

    // Real traffic, kept flowing while we wait so rate() sees the counters move; none of it is 5xx.
    const base = svc.url.replace('localhost', '127.0.0.1');
    const sample = await until('the SLI recording rule to have a value', async () => {
      for (let i = 0; i < 5; i++) await fetch(`${base}/api/opportunities?page=1&limit=5`);
      const q = await api(`/api/v1/query?query=${encodeURIComponent('dealerscope:http_errors:ratio_rate1m')}`);
      const v = q.data.result[0] as { value: [number, string] } | undefined;
      return v && Number.isFinite(Number(v.value[1])) ? v : undefined;
    });
    expect(Number(sample.value[1])).toBe(0);

    const groups = await until('every rule group to have been evaluated', async () => {
      const r = await api('/api/v1/rules');
      const gs = r.data.groups as {
        name: string;
        lastEvaluation: string;
        rules: { name: string; health: string; type: string; state?: string }[];
      }[];
      return gs.length === RULE_FILES.length && gs.every((g) => !g.lastEvaluation.startsWith('0001')) ? gs : undefined;
    });
    const all = groups.flatMap((g) => g.rules);
    const broken = all.filter((r) => r.health !== 'ok').map((r) => r.name);
    expect(broken).toEqual([]);
    const down = all.find((r) => r.name === 'DealerScopeTargetDown');
    expect(down?.type).toBe('alerting');
    expect(down?.state).toBe('inactive');
  }, 60_000);
});
