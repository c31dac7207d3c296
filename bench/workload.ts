// The benchmark's request mix: list queries (filters, sorts, page and cursor mode) and detail
// reads, each drawn from a Zipf distribution over its own universe, as real traffic concentrates
// on a few popular searches and listings.
import type { Random } from '../src/common/random.js';
import { BENCH_MODELS, BENCH_STATES } from './seed.js';

export const ZIPF_EXPONENT = 1.0;
export const DETAIL_SHARE = 0.35;

/** Samples ranks 0..n-1 with P(rank k) ∝ 1 / (k+1)^s, by binary search over the CDF. */
export function zipfSampler(n: number, s: number, random: Random): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** s;
    cdf[k] = sum;
  }
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function shuffle<T>(xs: T[], random: Random): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Every list query the workload can ask, popularity order shuffled by the seed. */
export function listUniverse(random: Random): string[] {
  const sorts = ['newest', 'profit', 'roi', 'score', 'ending'];
  const makes = [null, ...new Set(BENCH_MODELS.map(([m]) => m))];
  const states = [null, ...BENCH_STATES];
  const out: string[] = [];
  for (const sort of sorts) {
    for (const make of makes) {
      for (const state of states) {
        const f = `${make ? `&make=${encodeURIComponent(make)}` : ''}${state ? `&state=${state}` : ''}`;
        out.push(`/api/opportunities?cursor=&limit=50&sort=${sort}${f}`);
        for (let page = 1; page <= 3; page++) out.push(`/api/opportunities?page=${page}&limit=50&sort=${sort}${f}`);
      }
    }
  }
  // The unfiltered newest list is the landing page: most popular whatever the seed.
  const landing = out.splice(out.indexOf('/api/opportunities?page=1&limit=50&sort=newest'), 1);
  return [...landing, ...shuffle(out, random)];
}

export interface Workload {
  next: () => string;
  /** The most popular paths, for the bare-Fastify baseline. */
  top(n: number): string[];
}

/**
 * `random` fixes which queries and listings are popular; `draws` (default: the same source)
 * samples requests from that popularity, so a second draw continues the same traffic.
 */
export function zipfWorkload(rows: number, random: Random, draws: Random = random): Workload {
  const lists = listUniverse(random);
  const ids = shuffle(
    Array.from({ length: rows }, (_, i) => i + 1),
    random,
  );
  const listRank = zipfSampler(lists.length, ZIPF_EXPONENT, draws);
  const idRank = zipfSampler(ids.length, ZIPF_EXPONENT, draws);
  return {
    next: () => (draws() < DETAIL_SHARE ? `/api/opportunities/${ids[idRank()]}` : lists[listRank()]),
    top: (n) => [
      ...lists.slice(0, Math.ceil(n * (1 - DETAIL_SHARE))),
      ...ids.slice(0, Math.floor(n * DETAIL_SHARE)).map((id) => `/api/opportunities/${id}`),
    ],
  };
}

/** A workload over a fixed set of paths with the same Zipf skew (for the bare baseline). */
export function zipfOver(paths: string[], random: Random): () => string {
  const rank = zipfSampler(paths.length, ZIPF_EXPONENT, random);
  return () => paths[rank()];
}

/**
 * For each k, the share of `draws` requests of `next` that its k most-asked paths make up: what a
 * cache holding k responses could serve at best, whatever its policy (it can hold no more paths).
 */
export function topPathsShare(next: () => string, ks: number[], draws: number): Record<number, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i++) {
    const p = next();
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const sorted = [...counts.values()].sort((a, b) => b - a);
  const out: Record<number, number> = {};
  for (const k of ks) out[k] = sorted.slice(0, k).reduce((a, n) => a + n, 0) / draws;
  return out;
}
