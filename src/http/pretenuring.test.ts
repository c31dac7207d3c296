import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { startTestService } from '../../test/support/service.js';
import { pretenuringStopped } from './pretenuring.js';

// V8's own answer to "was this object allocated in the young generation"; the flag only widens
// what code compiled after it may do. Each test file runs in its own process (vitest's forks
// pool), so the V8 flag the service sets stays in this file.
setFlagsFromString('--allow-natives-syntax');
const inYoungGeneration = runInThisContext('(o) => %InYoungGeneration(o)') as (o: object) => boolean;

/**
 * A fresh allocation site (its own compiled function) whose objects all outlive many young
 * collections, as a request's objects do while it waits on a slow database. Returns whether a
 * new object from it is still allocated young once `rounds` × 20,000 of them are kept. With
 * pretenuring on, V8 tenured such a site within the first round under Node's default heap and
 * within 10–12 rounds under the service's 1 MB semi-spaces; 40 rounds leave a wide margin.
 */
function youngAfterLongLivedAllocations(rounds: number): boolean {
  const make = runInThisContext('(i) => ({ id: i, tags: [i], label: "lot " + i })') as (i: number) => object;
  const kept: object[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 20_000; i++) kept.push(make(i));
    if (!inYoungGeneration(make(-1))) return false;
  }
  // Read once more so every kept object stays reachable to the end.
  return kept.length > 0;
}

describe('allocation-site pretenuring in the serving process', () => {
  it('is on by default: objects from a site whose objects outlive young collections go straight to the old generation', () => {
    expect(pretenuringStopped()).toBe(false);
    expect(youngAfterLongLivedAllocations(40)).toBe(false);
  });

  it('is off once the service has started: the same pattern keeps allocating young', async () => {
    const service = await startTestService({ token: 'pretenuring-admin-token-0123456789', name: 'pretenuring', sample: false });
    try {
      expect(pretenuringStopped()).toBe(true);
      expect(youngAfterLongLivedAllocations(40)).toBe(true);
    } finally {
      await service.close();
    }
  });
});
