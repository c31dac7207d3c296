// Full garbage collections once a replica's start-up work is over. Migrations, the sample
// import, route compilation and the quality monitor's first pass leave V8's old space grown and
// its new space at its maximum; V8 keeps those pages until its memory reducer decides the process
// is idle, which an idle replica measured 15 s after start still had not (RSS 106 MB, heap in use
// 25 MB of 42 MB committed). One collection returned 11 MB. Five more, 100 ms apart, let V8 flush
// the bytecode only start-up ran: an idle replica with the sample data then measured 88.8–89.6 MB
// in five starts against 88.3–93.4 (median 92.5) after one. Each runs off the request path (a few
// tens of milliseconds on a heap this size).
//
// The last of them also compacts. A collection called from JavaScript moves live objects only off
// pages it judges nearly empty, so old space kept the pages start-up left partly filled: 24–29 MB
// committed for 22 MB in use, handed back only when V8's memory reducer compacted on its own,
// 30–45 s after start. Compacting once, on the last round, returns those pages at start: an idle
// replica with the sample data measured 81.2 MB against 85.0 (median of five starts each), the
// same as it reached 45 s later without. That round takes about 75 ms instead of 20.
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
 * One full collection that also moves live objects together, so pages left sparsely filled are
 * freed. V8 reads this flag at each full collection; it is set only for this call.
 */
function compacting(fn: () => void): void {
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    fn();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/**
 * Full collections a moment after the start-up work: V8 gives back its new space only when the
 * recent allocation rate is low, which right after the last pass it is not. Later rounds, one per
 * `spacingMs` so no request waits behind more than one, let V8 drop the bytecode of functions
 * only start-up ran (migrations, the sample import, route compilation): it flushes a function's
 * bytecode once it has gone unused through several full collections. The last round compacts.
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
      if (done === rounds - 1) compacting(fn);
      else fn();
      if (++done >= rounds) return resolve(true);
      clock.setTimeout(round, spacingMs);
    };
    clock.setTimeout(round, delayMs);
  });
}
