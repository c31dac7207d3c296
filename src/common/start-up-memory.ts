// Full garbage collections once a replica's start-up work is over. Migrations, the sample
// import, route compilation and the quality monitor's first pass leave V8's old space grown and
// its new space at its maximum; V8 keeps those pages until its memory reducer decides the process
// is idle, which an idle replica measured 15 s after start still had not (RSS 106 MB, heap in use
// 25 MB of 42 MB committed). One collection returned 11 MB. Five more, 100 ms apart, let V8 flush
// the bytecode only start-up ran: an idle replica with the sample data then measured 88.8–89.6 MB
// in five starts against 88.3–93.4 (median 92.5) after one. Each runs off the request path (a few
// tens of milliseconds on a heap this size).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock } from './clock.js';

export const START_UP_SETTLE_MS = 1000;
export const START_UP_COLLECTIONS = 6;
export const START_UP_COLLECTION_SPACING_MS = 100;

let collect: (() => void) | null | undefined;

/**
 * V8's collector as a function: the global `gc` when the process runs with --expose-gc, else
 * one taken from a fresh context after turning the flag on (the flag applies to contexts created
 * after it is set). Null if neither works, and then nothing is collected.
 */
function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return (collect = exposed as () => void);
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    collect = typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/**
 * Full collections a moment after the start-up work: V8 gives back its new space only when the
 * recent allocation rate is low, which right after the last pass it is not. Later rounds, one per
 * `spacingMs` so no request waits behind more than one, let V8 drop the bytecode of functions
 * only start-up ran (migrations, the sample import, route compilation): it flushes a function's
 * bytecode once it has gone unused through several full collections.
 */
export function releaseStartUpGarbage(
  clock: Clock,
  delayMs = START_UP_SETTLE_MS,
  rounds = START_UP_COLLECTIONS,
  spacingMs = START_UP_COLLECTION_SPACING_MS,
): Promise<boolean> {
  return new Promise((resolve) => {
    let done = 0;
    const round = () => {
      const fn = collector();
      if (fn === null) return resolve(false);
      fn();
      if (++done >= rounds) return resolve(true);
      clock.setTimeout(round, spacingMs);
    };
    clock.setTimeout(round, delayMs);
  });
}
