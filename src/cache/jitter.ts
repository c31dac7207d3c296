// TTL jitter: spreads expiries by ±15 % so keys filled together do not all expire together.
import type { Random } from '../common/random.js';

export const JITTER_FRACTION = 0.15;

export function jitteredTtl(baseMs: number, random: Random, fraction = JITTER_FRACTION): number {
  // random() is in [0, 1): map it onto [-fraction, +fraction].
  const factor = 1 + (random() * 2 - 1) * fraction;
  return Math.max(1, Math.round(baseMs * factor));
}
