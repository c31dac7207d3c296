// What an auction source adapter is and what one run of it produces.
import type { Clock } from '../../common/clock.js';
import type { ListingBatch } from '../import-service.js';
import type { SourceFetcher } from './fetcher.js';
import type { SkippedLot } from './listing-builder.js';
import type { HostPolicy } from '../../common/net-guard.js';
import type { CoverageSummary } from './parse-coverage.js';

/** Every adapter kind; the sources file's schema accepts exactly these. */
export const SOURCE_KINDS = ['govdeals', 'allsurplus', 'publicsurplus', 'gsa', 'feed'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** A page rendered by headless Chromium (the browser pool). */
export interface RenderedPage {
  url: string;
  status: number;
  html: string;
  fetchedAt: Date;
  hash: string;
}

/** The part of the browser pool an adapter uses; it waits while the pool is off or full. */
export interface PageRenderer {
  render(url: string, policy: HostPolicy): Promise<RenderedPage>;
}

export interface SourceProgress {
  pages: number;
  /** Lots read so far. */
  found: number;
  /** Lots the source says it has, when it says. */
  total: number | null;
}

export interface SourceRun {
  fetcher: SourceFetcher;
  /** Present when the adapter needs rendering; null when this process has no pool. */
  renderer: PageRenderer | null;
  policy: HostPolicy;
  clock: Clock;
  /** The source's API key, read from the environment variable its `apiKeyEnv` names. */
  apiKey: string | null;
  /** Called after every list page, for progress lines. */
  progress?: (p: SourceProgress) => void;
}

export interface CollectResult {
  batch: ListingBatch;
  /** Lots the source listed that are not candidates (not a vehicle, sold, closed, unconvertible currency). */
  skipped: SkippedLot[];
  /** Pages (or documents) read, including 304s answered from the cache. */
  pages: number;
  /** Things an operator should know that are not row rejects (budget spent, robots, …). */
  notes: string[];
  /** Fields filled ÷ fields the format can carry; null for readers that do not measure it. */
  coverage: CoverageSummary | null;
}

export interface SourceAdapter {
  readonly name: string;
  readonly kind: SourceKind;
  /** True when some pages must be rendered by the browser pool. */
  readonly needsBrowser: boolean;
  collect(run: SourceRun): Promise<CollectResult>;
}

/** The page no longer looks like the layout the adapter knows: fail loudly, never return 0 rows or wrong values. */
export class SourceLayoutError extends Error {
  override name = 'SourceLayoutError';
}

/** The source needs an API key and the environment variable its `apiKeyEnv` names is not set. */
export class MissingApiKeyError extends Error {
  override name = 'MissingApiKeyError';
}

/**
 * When every lot on a page lacks the same structural fields, the page's layout changed: better a
 * loud error (which opens the source's breaker) than a run of rejects or, worse, wrong values.
 */
export function assertLayout(where: string, lots: Array<{ missing: string[] }>, structural: readonly string[]): void {
  if (lots.length === 0) return;
  const everywhere = structural.filter((f) => lots.every((l) => l.missing.includes(f)));
  if (everywhere.length > 0) {
    throw new SourceLayoutError(`${where}: none of the ${lots.length} lots has ${everywhere.join(', ')}; the layout changed`);
  }
}
