// What an auction source adapter is and what one run of it produces.
import type { Clock } from '../../shared/clock.js';
import type { ListingBatch } from '../import-service.js';
import type { SourceFetcher } from './fetcher.js';
import type { HostPolicy } from './net-guard.js';

export type SourceKind = 'govdeals' | 'publicsurplus' | 'gsa' | 'feed';

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

export interface SourceRun {
  fetcher: SourceFetcher;
  /** Present when the adapter needs rendering; null when this process has no pool. */
  renderer: PageRenderer | null;
  policy: HostPolicy;
  clock: Clock;
}

export interface CollectResult {
  batch: ListingBatch;
  /** Pages (or documents) read, including 304s answered from the cache. */
  pages: number;
  /** Things an operator should know that are not row rejects (budget spent, robots, …). */
  notes: string[];
}

export interface SourceAdapter {
  readonly name: string;
  readonly kind: SourceKind;
  /** True when some pages must be rendered by the browser pool. */
  readonly needsBrowser: boolean;
  collect(run: SourceRun): Promise<CollectResult>;
}

/** The page no longer looks like the layout the adapter knows: fail loudly, never return 0 rows. */
export class SourceLayoutError extends Error {
  override name = 'SourceLayoutError';
}
