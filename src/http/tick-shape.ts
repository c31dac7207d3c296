// Keeps one of Node's tick objects (the record `process.nextTick` queues) alive for the life of
// the process, so V8 keeps that record's hidden class.
//
// Why: `nextTick` builds its record as an object literal with computed keys, and V8 keeps the
// hidden classes such a literal passes through only while some object still has one. A tick
// record lives for a tick, so a full collection that finds none alive frees them; the next record
// gets new ones, the literal's inline cache sees a second class and goes megamorphic, and from
// then on every `nextTick` defines its four properties through the runtime. Node's HTTP and stream
// code queues several ticks per request, and the service runs full collections (a bounded old
// space, one at the end of start-up), so it paid this on every request: perf showed about 7 % of a
// cached request's CPU in `Runtime_DefineKeyedOwnPropertyInLiteral` under `nextTick`, absent from
// bare Fastify until it was made to collect fully too. Measured side by side on the cached list
// pages (docs/architecture.md): 31.0–32.8 µs of CPU a request without the kept record, 25.9–28.9
// with it.
import { createHook } from 'node:async_hooks';

let kept: object | null = null;

/**
 * The record Node queues for one `process.nextTick`, as an init hook sees it: the one place Node
 * hands one out. The hook is enabled for that one tick only.
 */
export function catchTickRecord(): object {
  let record: object | null = null;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject') record ??= resource as object;
    },
  });
  hook.enable();
  try {
    process.nextTick(() => {});
  } finally {
    hook.disable();
  }
  if (record === null) throw new Error('Node queued a tick without reporting its record to an init hook');
  return record;
}

/** Keeps a tick record alive from now on (idempotent); returns it. Call before the first full collection. */
export function keepTickShape(): object {
  kept ??= catchTickRecord();
  return kept;
}

/** The record kept, or null before keepTickShape has run. */
export function keptTickShape(): object | null {
  return kept;
}
