// /metrics of a fully assembled app: every contract metric name (docs/metrics.md), the HTTP histogram's contract
// (labels, bucket bounds, route templates), process metrics, and `promtool check metrics`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './support/app.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { makeListings, storeTestListings } from './support/listings.js';
import { PROMTOOL, requireTool, run } from './e2e/support/tools.js';

const CONTRACT_METRICS = [
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
];

/** Metric family names from `# TYPE` lines; counters are exposed with their _total suffix. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    out.set(name, type);
    if (type === 'counter' && !name.endsWith('_total')) out.set(`${name}_total`, type);
  }
  return out;
}

const promtoolOk = requireTool(PROMTOOL);

describe('/metrics', () => {
  let tdb: TestDb;
  let t: TestApp;
  let text: string;
  let ids: string[];

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    t = await buildTestApp(tdb.db);
    await storeTestListings(tdb.db, makeListings(12, 3));
    const list = await t.app.inject('/api/opportunities?page=1&limit=5');
    ids = list.json().data.map((o: { id: string }) => o.id);
    for (const id of ids) await t.app.inject(`/api/opportunities/${id}`);
    await t.app.inject('/api/opportunities/does-not-exist-424242');
    await t.app.inject('/no/such/route/31337');
    const res = await t.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    text = res.body;
  });
  afterAll(async () => {
    await t?.app.close();
    await tdb?.drop();
  });

  it('carries every metric name of the contract (docs/metrics.md)', () => {
    const have = families(text);
    const missing = CONTRACT_METRICS.filter((n) => !have.has(n));
    expect(missing, `missing from /metrics: ${missing.join(', ')}`).toEqual([]);
  });

  it('exports the HTTP histogram with the contract labels and the 0.15 / 0.2 / 0.25 s bounds', () => {
    expect(families(text).get('http_request_duration_seconds')).toBe('histogram');
    const buckets = [...text.matchAll(/^http_request_duration_seconds_bucket\{([^}]*)\}/gm)].map((m) => m[1] as string);
    expect(buckets.length).toBeGreaterThan(0);
    for (const labels of buckets) {
      const keys = [...labels.matchAll(/(\w+)="/g)].map((m) => m[1]).sort();
      expect(keys).toEqual(['le', 'method', 'route', 'status_code']);
    }
    const bounds = new Set(buckets.map((l) => /le="([^"]+)"/.exec(l)?.[1]));
    for (const b of ['0.15', '0.2', '0.25']) expect(bounds).toContain(b);
  });

  it('labels routes by template, never by id or raw path', () => {
    const routes = new Set([...text.matchAll(/^http_request_duration_seconds_count\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]));
    expect(routes).toContain('/api/opportunities/:id');
    expect(routes).toContain('unmatched');
    for (const r of routes) {
      for (const id of ids) expect(r).not.toContain(id);
      expect(r).not.toMatch(/424242|31337/);
    }
  });

  it('exports real process memory and the service metrics', () => {
    const rss = Number(/^process_resident_memory_bytes (\S+)/m.exec(text)?.[1]);
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(rss).toBeLessThan(process.memoryUsage().rss * 2);
    expect(text).toMatch(/^dealerscope_build_info\{version="5\.0\.0",node_version="[\d.]+"\} 1$/m);
    expect(families(text).get('dealerscope_console_sse_clients')).toBe('gauge');
  });

  it('exports prom-client’s default process metrics but the per-collection GC histogram', () => {
    const f = families(text);
    for (const name of [
      'process_cpu_seconds_total',
      'process_start_time_seconds',
      'process_open_fds',
      'process_max_fds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_active_handles',
      'nodejs_active_requests',
      'nodejs_active_resources',
      'nodejs_heap_size_used_bytes',
      'nodejs_heap_space_size_used_bytes',
      'nodejs_version_info',
    ])
      expect(f.has(name), name).toBe(true);
    expect(f.has('nodejs_gc_duration_seconds')).toBe(false);
    // Real readings, not zeros: this process has spent CPU and holds a heap.
    expect(Number(/^process_cpu_seconds_total (\S+)/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1])).toBeGreaterThan(1024 * 1024);
  });

  it('exports every published signal as dealerscope_signal_value', async () => {
    t.ctx.signals.register('observability_test_ratio', () => 0.375);
    t.ctx.signals.register('observability_test_silent', () => null);
    const body = (await t.app.inject('/metrics')).body;
    expect(body).toMatch(/^dealerscope_signal_value\{signal="observability_test_ratio"\} 0\.375$/m);
    expect(body).not.toMatch(/signal="observability_test_silent"/);
  });

  it.runIf(promtoolOk)('passes promtool check metrics', async () => {
    const r = await run(PROMTOOL, ['check', 'metrics'], { input: text });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.code).toBe(0);
  });
});
