// The benchmark's workload figures: the share of requests its most-asked paths make up is what
// the report sets beside each memory hit rate, so it must count paths, not draws or ranks.
import { describe, expect, it } from 'vitest';
import { topPathsShare, zipfWorkload } from '../bench/workload.js';
import { seededRandom } from '../src/common/random.js';

describe('topPathsShare', () => {
  it('is the share of requests made by the k most-asked paths', () => {
    const seq = ['b', 'a', 'c', 'a', 'b', 'a'];
    let i = 0;
    const share = topPathsShare(() => seq[i++ % seq.length]!, [1, 2, 3, 10], 600);
    expect(share).toEqual({ 1: 0.5, 2: 5 / 6, 3: 1, 10: 1 });
  });

  it('grows with k on the benchmark mix, and a detail-heavy tail keeps 1,000 paths well short of all traffic', () => {
    const next = zipfWorkload(100_000, seededRandom(11), seededRandom(25)).next;
    const share = topPathsShare(next, [100, 1000, 5000], 200_000);
    expect(share[100]!).toBeLessThan(share[1000]!);
    expect(share[1000]!).toBeLessThan(share[5000]!);
    expect(share[5000]!).toBeLessThan(1);
  });
});
