// Injectable randomness for decisions (jitter, sampling); tests pass a seeded source.
export type Random = () => number;

/** Small deterministic PRNG (mulberry32) for tests, fixtures and the benchmark. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
