// Runs one scrape of one source: collect through the adapter (polite fetcher, browser pool where
// needed), hand the batch to the one ingestion pipeline, and always end with a report — pages,
// lots found, accepted, skipped, rejected with reasons, quarantined, errors and parse coverage —
// whether the run landed everything, some of it or nothing. A page whose layout changed is
// recorded as a reject with the reason and opens the source's breaker: never a silent zero-row
// run, never wrong values.
import type { ArbitrageParams } from '../../config/index.js';
import type { Clock } from '../../common/clock.js';
import type { Random } from '../../common/random.js';
import type { Db } from '../../storage/index.js';
import { ingestListings, type ImportOptions, type ImportSummary } from '../import-service.js';
import { withdrawClosedLots } from '../../opportunities/index.js';
import { refreshOpenDuplicateVins } from '../../quality/index.js';
import { adapterFor, apiKeyFor, etiquetteFor, hostPolicyFor, type SourceConfig, type SourcesConfig } from '../sources/config.js';
import { SourceFetcher, type BreakerLike } from '../sources/fetcher.js';
import type { HostPolicy } from '../../common/net-guard.js';
import { SourceLayoutError, type CollectResult, type PageRenderer, type SourceAdapter, type SourceProgress } from '../sources/types.js';
import { buildReport, type SourceRunReport } from './run-report.js';
import { recordSourceRun } from './run-store.js';
import type { SnapshotSink } from '../evidence-sink.js';

export type { SourceRunReport } from './run-report.js';

export interface RunnerDeps {
  db: Db;
  clock: Clock;
  random: Random;
  params: () => ArbitrageParams;
  /** Feature flags for the quality stage, read per import. */
  flags?: ImportOptions['flags'];
  /** The browser pool, when this process runs one. */
  renderer: PageRenderer | null;
  /** The per-source circuit breaker (`ctx.breakers.get('source:<name>')`), when present. */
  breakerFor?: (name: string) => BreakerLike | null;
  /** Environment lookup for API keys (`apiKeyEnv`); process.env by default. */
  readSecret?: (name: string) => string | undefined;
  onRun?: (report: SourceRunReport) => void;
  onProgress?: (source: string, p: SourceProgress) => void;
  /** Where fetched and rendered pages are kept as evidence (the evidence store), when present. */
  snapshots?: SnapshotSink | null;
}

/** Rendered pages are kept at the shared level too, so no adapter has to remember to. */
function keepingRenderer(renderer: PageRenderer | null, sink: SnapshotSink | null | undefined): PageRenderer | null {
  if (!renderer || !sink) return renderer;
  return {
    async render(url, policy) {
      const page = await renderer.render(url, policy);
      await sink.keep({ bytes: page.html, url: page.url, contentType: 'text/html; charset=utf-8', hash: page.hash });
      return page;
    },
  };
}

interface SourceRuntime {
  config: SourceConfig;
  adapter: SourceAdapter;
  fetcher: SourceFetcher;
  policy: HostPolicy;
  breaker: BreakerLike | null;
}

export class SourceRunner {
  private readonly runtimes = new Map<string, SourceRuntime>();

  constructor(
    config: SourcesConfig,
    private readonly deps: RunnerDeps,
  ) {
    for (const s of config.sources) {
      const policy = hostPolicyFor(s, config);
      const breaker = deps.breakerFor?.(`source:${s.name}`) ?? null;
      const fetcher = new SourceFetcher(s.name, etiquetteFor(s), {
        clock: deps.clock,
        random: deps.random,
        policy,
        breaker,
        snapshots: deps.snapshots ?? null,
      });
      this.runtimes.set(s.name, { config: s, adapter: adapterFor(s), fetcher, policy, breaker });
    }
  }

  names(): string[] {
    return [...this.runtimes.keys()];
  }

  needsBrowser(name: string): boolean {
    return this.runtimes.get(name)?.adapter.needsBrowser ?? false;
  }

  fetcher(name: string): SourceFetcher | undefined {
    return this.runtimes.get(name)?.fetcher;
  }

  /** One scrape; resolves with the report in every case (outcome `failed` when the source could not be read). */
  async run(name: string): Promise<SourceRunReport> {
    const rt = this.runtimes.get(name);
    if (!rt) throw new Error(`unknown source ${name}`);
    const { fetcher, adapter, policy, config } = rt;
    fetcher.beginRun();
    const before = { ...fetcher.stats };
    const origin = `source:${name}`;
    const startedAt = this.deps.clock.now();
    const importOpts = () => ({ origin, now: startedAt, params: this.deps.params(), flags: this.deps.flags });
    let collected: CollectResult | null = null;
    let summary: ImportSummary | null = null;
    const errors: string[] = [];
    try {
      collected = await adapter.collect({
        fetcher,
        renderer: keepingRenderer(this.deps.renderer, this.deps.snapshots),
        policy,
        clock: this.deps.clock,
        apiKey: apiKeyFor(config, this.deps.readSecret ?? ((n) => process.env[n])),
        progress: (p) => this.deps.onProgress?.(name, p),
      });
      summary = await ingestListings(this.deps.db, collected.batch, importOpts());
      const closed = collected.skipped.flatMap((s) => (s.closed && s.lotId !== null ? [{ source: s.source, lotId: s.lotId }] : []));
      if (closed.length) {
        const withdrawn = await withdrawClosedLots(this.deps.db, closed, startedAt);
        if (withdrawn) {
          collected.notes.push(`${withdrawn} stored listing(s) withdrawn from the lists: the source reports them sold or closed`);
          // A withdrawn lot no longer holds its VIN: flags that named it as a duplicate resolve.
          if (this.deps.flags?.get('ENABLE_ANOMALY_DETECTION') ?? true)
            await refreshOpenDuplicateVins(this.deps.db, { params: this.deps.params(), now: startedAt });
        }
      }
    } catch (err) {
      errors.push(describe(err));
      if (err instanceof SourceLayoutError) {
        rt.breaker?.trip?.();
        try {
          summary = await ingestListings(
            this.deps.db,
            { accepted: [], rejected: [{ row: 0, lotId: null, source: name, reason: `layout: ${err.message}`, raw: {} }] },
            importOpts(),
          );
        } catch (inner) {
          errors.push(`recording the layout reject failed: ${describe(inner)}`);
        }
      }
    }
    const report = buildReport({
      source: name,
      kind: config.kind,
      startedAt,
      finishedAt: this.deps.clock.now(),
      collected,
      summary: errors.length ? null : summary,
      importId: summary?.importId ?? null,
      requests: fetcher.stats.requests - before.requests,
      notModified: fetcher.stats.notModified - before.notModified,
      errors,
    });
    try {
      await recordSourceRun(this.deps.db, report);
    } catch (err) {
      report.notes.push(`the run could not be recorded for /api/quality: ${describe(err)}`);
    }
    this.deps.onRun?.(report);
    return report;
  }

  async close(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((r) => r.fetcher.close()));
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.name && err.name !== 'Error' && !err.message.startsWith(err.name) ? `${err.name}: ${err.message}` : err.message;
}
