// The ingest capability's public module: reading listing feeds and comps files, importing them
// through the quality pipeline into storage (CLI and the admin upload route), the sample data a
// fresh database starts with, the browser pool, the reports of scrape runs, and the capability's
// tables. The scraping stack itself (sources, adapters, fetcher, scheduler) is loaded on first use.

// Reading files.
export { detectFeedFormat, parseListingFeed } from './feed.js';
export { FEED_EXTRACTOR_VERSION } from './feed-origin.js';
export { parseCompsFile } from './comps-file.js';

// Importing them (with the port through which the evidence store keeps what was read), and the
// sample data.
export { importFeedSource } from './feed-import.js';
export { importCompsFile, importExitCode, importSummaryBody } from './import-service.js';
export type { ReportedReject } from './import-records.js';
export { adminImportRoutes } from './admin-imports.js';
export type { KeepFileInput, KeepInput, SnapshotKind, SnapshotSink } from './evidence-sink.js';
export { databaseIsEmpty, importSampleData, sampleDir } from './sample.js';
export { ingestMigrations } from './storage/migrations.js';

// Scraping: the browser pool every process has (Chromium starts only when a job needs it), the
// serving replica's scheduled scraping (its plugin imports the stack only when sources are
// configured), the types an adapter's fetcher and renderer speak, and the run reports of
// `sources run`.
export { browserPoolPlugin, createBrowserPool, type BrowserPoolDeps } from './browser/app-pool.js';
export type { BrowserPool } from './browser/pool.js';
export { ingestionPlugin } from './scheduler/ingestion-plugin.js';
export type { FetchedPage, RequestSpec, SourceFetcher } from './sources/fetcher.js';
export type { PageRenderer, RenderedPage } from './sources/types.js';
export { exitCodeFor, formatReport, type SourceRunReport } from './scheduler/run-report.js';

/** The scraping stack (scraping.ts), imported on first use. */
export function loadScraping(): Promise<typeof import('./scraping.js')> {
  return import('./scraping.js');
}
