// Scores the detector against the labelled evaluation set (data/quality/anomaly-eval.json):
// false-positive rate FP ÷ (FP + TN) over clean listings and recall over injected anomalies,
// as docs/deal-intelligence.md defines them. Used by the test that holds the gate and by the CLI
// (`anomalies evaluate`); it lives here because it reads the set through ingest's real feed
// reader and scores quality's detector, so it sits above both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArbitrageParams } from '../config/index.js';
import { parseListingFeed } from '../ingest/index.js';
import { matchKey } from '../opportunities/index.js';
import type { Comp, ListingInput } from '../opportunities/index.js';
import { packageRoot } from '../common/paths.js';
import { detectAnomalies, listingKey } from '../quality/index.js';

export interface EvalSet {
  referenceTime: string;
  listings: Array<{ label: 'clean' | 'anomaly'; kind: string | null; row: Record<string, unknown> }>;
  marketPrices: Array<{
    make: string;
    model: string;
    year: number;
    trim: string | null;
    avg: number;
    low: number;
    high: number;
    sample_size: number;
  }>;
}

export interface EvalResult {
  clean: number;
  anomalies: number;
  falsePositives: number;
  trueNegatives: number;
  truePositives: number;
  falseNegatives: number;
  falsePositiveRate: number;
  recall: number;
  recallByKind: Record<string, { injected: number; detected: number }>;
  /** Clean listings flagged, with what they were flagged for (for tuning). */
  falsePositiveDetails: Array<{ lotId: string; kinds: string[] }>;
}

export const evalSetPath = () => join(packageRoot(), 'data', 'quality', 'anomaly-eval.json');

export function loadEvalSet(path = evalSetPath()): EvalSet {
  return JSON.parse(readFileSync(path, 'utf8')) as EvalSet;
}

/** Groups comps by make/model the way the comps store does. */
export function compLookup(comps: readonly Comp[]): (l: ListingInput) => readonly Comp[] {
  const by = new Map<string, Comp[]>();
  for (const c of comps) {
    const k = `${matchKey(c.make)}|${matchKey(c.model)}`;
    by.set(k, [...(by.get(k) ?? []), c]);
  }
  return (l) => by.get(`${matchKey(l.make)}|${matchKey(l.model)}`) ?? [];
}

export function evaluateDetector(set: EvalSet, params: ArbitrageParams): EvalResult {
  const now = Date.parse(set.referenceTime);
  // The rows go through the real feed reader, as an operator's file would.
  const parsed = parseListingFeed(JSON.stringify(set.listings.map((l) => l.row)), 'json', { now: new Date(now) });
  if (parsed.rejected.length || parsed.superseded.length) {
    throw new Error(`evaluation set rows do not all parse: ${parsed.rejected.map((r) => `row ${r.row}: ${r.reason}`).join('; ')}`);
  }
  const comps: Comp[] = set.marketPrices.map((m) => ({
    kind: 'market',
    make: m.make,
    model: m.model,
    year: m.year,
    trim: m.trim,
    avgCents: Math.round(m.avg * 100),
    lowCents: Math.round(m.low * 100),
    highCents: Math.round(m.high * 100),
    sampleSize: m.sample_size,
  }));
  const listings = parsed.accepted.map((a) => a.listing);
  const found = detectAnomalies(listings, { now, params, comps: compLookup(comps), population: [] });
  const r: EvalResult = {
    clean: 0,
    anomalies: 0,
    falsePositives: 0,
    trueNegatives: 0,
    truePositives: 0,
    falseNegatives: 0,
    falsePositiveRate: 0,
    recall: 0,
    recallByKind: {},
    falsePositiveDetails: [],
  };
  parsed.accepted.forEach((a) => {
    const label = set.listings[a.row - 1]!;
    const flags = found.get(listingKey(a.listing)) ?? [];
    if (label.label === 'clean') {
      r.clean++;
      if (flags.length) {
        r.falsePositives++;
        r.falsePositiveDetails.push({ lotId: a.listing.lotId, kinds: flags.map((f) => f.kind) });
      } else r.trueNegatives++;
    } else {
      r.anomalies++;
      const k = (r.recallByKind[label.kind ?? 'unknown'] ??= { injected: 0, detected: 0 });
      k.injected++;
      if (flags.length) {
        r.truePositives++;
        k.detected++;
      } else r.falseNegatives++;
    }
  });
  r.falsePositiveRate = r.falsePositives / Math.max(1, r.falsePositives + r.trueNegatives);
  r.recall = r.truePositives / Math.max(1, r.truePositives + r.falseNegatives);
  return r;
}

/** Flag rate on an unlabelled feed whose rows are all presumed clean (e.g. the bundled sample). */
export function flagRateOnFeed(listings: readonly ListingInput[], comps: readonly Comp[], params: ArbitrageParams, now: number) {
  const found = detectAnomalies(listings, { now, params, comps: compLookup(comps), population: [] });
  const byKind: Record<string, number> = {};
  for (const flags of found.values()) for (const f of flags) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  return { listings: listings.length, flagged: found.size, rate: found.size / Math.max(1, listings.length), byKind };
}
