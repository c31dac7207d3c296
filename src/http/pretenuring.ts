// Turns off V8's allocation-site pretenuring in the serving process.
//
// Why: V8 watches, for each place that allocates objects, how many of them survive a young
// collection; once most of a hundred or more do, it allocates that place's objects straight in the
// old generation from then on, where only a full collection frees them. A request that waits on the
// database lives for as long as its queries take, so a replica serving uncached pages from a slow
// or busy database (the benchmark's cache-off phase on PostgreSQL: about 200 ms a request) gets
// Node's per-request objects — the request, the response, its outgoing chunks — marked as long
// lived. The decision stayed for the rest of the process (`--trace-pretenuring`: 757 "tenure => tenure"
// records and none back), so every later request, cached ones answered in well under a
// millisecond included, put its objects in the old generation: 150 MB promoted in 23 s of cached
// load, 34 full collections against 3. Whether it happened depended on timing, so the same
// benchmark gave 31–33 µs of CPU a cached request in one start and 45–59 µs in the next.
// Side by side on PostgreSQL after an uncached phase (2026-12-06, three starts of each build,
// alternated, three 6 s runs of the top-100 cached gzip pages per start): 30.5–35.1 µs of CPU a
// request and 8–10 full collections a run with pretenuring, 25.4–28.5 µs and 2–3 without.
//
// Set at run time, not on the command line, so every way of starting `serve` (npm start, the
// Kubernetes Deployment's NODE_OPTIONS, which refuses this flag, a plain `docker run`) gets it.
// Nothing is lost: the serving process's long-lived objects (the cache, pools, compiled routes)
// are few and reach the old generation after two young collections anyway.
import { setFlagsFromString } from 'node:v8';

let stopped = false;

/** Idempotent. Call before the service takes requests. */
export function stopPretenuring(): void {
  if (stopped) return;
  setFlagsFromString('--no-allocation-site-pretenuring');
  stopped = true;
}

/** Whether stopPretenuring has run in this process. */
export function pretenuringStopped(): boolean {
  return stopped;
}
