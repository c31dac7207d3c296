// Keeps a batch job's heap near its live set. A streamed import holds one batch of rows at a
// time, but each batch lives through a couple of young-generation collections, so V8 promotes it
// and lets the old generation fill with finished batches before it compacts: an import whose
// live set after a full collection was 25–35 MB grew its heap to 150 MB, most of the CLI's peak
// RSS. Heap limits cannot be set once the process runs (the flags are read at start-up, and the
// CLI is started without them), so between batches — when the finished batch is garbage — the
// job asks for a full collection once the heap has grown past a ceiling. Below the ceiling
// nothing happens, so a small import pays nothing. When what survives a collection is itself
// near the ceiling (a large file's survey state), the next one waits until the heap has grown by
// half the ceiling again, so the job never collects on every batch.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapCeilingOptions {
  /** Heap in use above which a batch boundary collects (bytes). */
  ceilingBytes: number;
  /** Heap in use now; V8's used heap size by default (tests inject their own). */
  heapUsed?: () => number;
  /** A full collection; V8's own by default. */
  collect?: () => void;
}

export interface HeapCeiling {
  /** Call between batches: collects when the heap is above the ceiling; answers whether it did. */
  check(): boolean;
  /** Collections run so far. */
  readonly collections: number;
}

let v8Collect: (() => void) | null = null;

/** V8's full collection, made callable without starting node with --expose-gc. */
function fullCollection(): () => void {
  if (!v8Collect) {
    // --expose-gc set at run time takes effect for contexts created afterwards; a fresh context
    // hands back its `gc`, which collects the whole isolate's heap.
    setFlagsFromString('--expose-gc');
    v8Collect = runInNewContext('gc') as () => void;
  }
  return v8Collect;
}

export function heapCeiling(opts: HeapCeilingOptions): HeapCeiling {
  const used = opts.heapUsed ?? (() => getHeapStatistics().used_heap_size);
  let collections = 0;
  let threshold = opts.ceilingBytes;
  return {
    check() {
      if (used() <= threshold) return false;
      (opts.collect ?? fullCollection())();
      collections++;
      threshold = Math.max(opts.ceilingBytes, used() + opts.ceilingBytes / 2);
      return true;
    },
    get collections() {
      return collections;
    },
  };
}
