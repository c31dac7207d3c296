// The benchmark's request mix (bench/workload.ts: list queries and detail reads, each Zipf
// distributed) over the opportunity ids that really exist in a cluster test's database.
import { seededRandom } from '../../../src/common/random.js';
import { DETAIL_SHARE, listUniverse, ZIPF_EXPONENT, zipfSampler } from '../../../bench/workload.js';

/** `count` request paths drawn from the benchmark mix with a fixed seed. */
export function benchmarkPaths(ids: number[], count: number, seed: number): string[] {
  if (!ids.length) throw new Error('the workload needs at least one opportunity');
  const random = seededRandom(seed);
  const lists = listUniverse(random);
  const listRank = zipfSampler(lists.length, ZIPF_EXPONENT, random);
  const order = [...ids];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const idRank = zipfSampler(order.length, ZIPF_EXPONENT, random);
  return Array.from({ length: count }, () => (random() < DETAIL_SHARE ? `/api/opportunities/${order[idRank()]}` : lists[listRank()]!));
}
