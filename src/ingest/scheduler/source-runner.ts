// Runs one scheduled scrape of one source: collect through the adapter (polite fetcher, browser
// pool where needed), then hand the batch to the one ingestion pipeline. A page whose layout
// changed is recorded as a reject with the reason before the run fails, so it is never a
// silent zero-row run.
import type { ArbitrageParams } from '../../config/arbitrage.js';
import type { Clock } from '../../shared/clock.js';
import type { Random } from '../../shared/random.js';
import type { Db } from '../../storage/db.js';
import { ingestListings, type ImportOptions, type ImportSummary } from '../import-service.js';
import { adapterFor, etiquetteFor, hostPolicyFor, type SourcesConfig } from '../sources/config.js';
import { SourceFetcher, type BreakerLike } from '../sources/fetcher.js';
import type { HostPolicy } from '../sources/net-guard.js';
import { SourceLayoutError, type PageRenderer, type SourceAdapter } from '../sources/types.js';

export interface SourceRunReport {
  source: string;
  pages: number;
  requests: number;
  notModified: number;
  accepted: number;
  rejected: number;
  created: number;
  updated: number;
  unchanged: number;
  importId: number;
  /** Held back by the data contract (quality stage); null when the stage did not report. */
  quarantined: number | null;
  provenanceRecorded: number | null;
  notes: string[];
}

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
  onRun?: (source: string, outcome: 'ok' | 'failed', report: SourceRunReport | null) => void;
  /** Where fetched and rendered pages are kept as evidence (the evidence store), when present. */
  snapshots?: SnapshotSink | null;
}

type SnapshotSink = { keep(s: { bytes: Buffer | string; url: string; contentType: string | null; hash: string }): Promise<unknown> };

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
  adapter: SourceAdapter;
  fetcher: SourceFetcher;
  policy: HostPolicy;
}

export class SourceRunner {
  private readonly runtimes = new Map<string, SourceRuntime>();

  constructor(config: SourcesConfig, private readonly deps: RunnerDeps) {
    for (const s of config.sources) {
      const policy = hostPolicyFor(s, config);
      const fetcher = new SourceFetcher(s.name, etiquetteFor(s), {
        clock: deps.clock, random: deps.random, policy, breaker: deps.breakerFor?.(`source:${s.name}`) ?? null, snapshots: deps.snapshots ?? null,
      });
      this.runtimes.set(s.name, { adapter: adapterFor(s), fetcher, policy });
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

  async run(name: string): Promise<SourceRunReport> {
    const rt = this.runtimes.get(name);
    if (!rt) throw new Error(`unknown source ${name}`);
    const { fetcher, adapter, policy } = rt;
    fetcher.beginRun();
    const before = { ...fetcher.stats };
    const origin = `source:${name}`;
    const now = this.deps.clock.now();
    let summary: ImportSummary;
    let notes: string[];
    let pages: number;
    try {
      const collected = await adapter.collect({ fetcher, renderer: keepingRenderer(this.deps.renderer, this.deps.snapshots), policy, clock: this.deps.clock });
      summary = await ingestListings(this.deps.db, collected.batch, { origin, now, params: this.deps.params(), flags: this.deps.flags });
      notes = collected.notes;
      pages = collected.pages;
    } catch (err) {
      if (err instanceof SourceLayoutError) {
        await ingestListings(this.deps.db, { accepted: [], rejected: [{ row: 0, lotId: null, source: name, reason: `layout: ${err.message}`, raw: {} }] }, { origin, now, params: this.deps.params(), flags: this.deps.flags });
      }
      this.deps.onRun?.(name, 'failed', null);
      throw err;
    }
    const report: SourceRunReport = {
      source: name, pages, requests: fetcher.stats.requests - before.requests, notModified: fetcher.stats.notModified - before.notModified,
      accepted: summary.accepted, rejected: summary.rejected.length, created: summary.created, updated: summary.updated,
      unchanged: summary.unchanged, importId: summary.importId, notes,
      quarantined: summary.quality?.quarantined ?? null, provenanceRecorded: summary.quality?.provenanceRecorded ?? null,
    };
    this.deps.onRun?.(name, 'ok', report);
    return report;
  }

  async close(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((r) => r.fetcher.close()));
  }
}
