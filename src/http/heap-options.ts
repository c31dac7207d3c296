// The V8 heap settings (and glibc's arena bound, below) the API service runs with, in one place.
// `npm start` and the Kubernetes API Deployment pass them (test/heap-options.test.ts and
// test/deploy-k8s.test.ts keep both equal to these), and the benchmark starts its replicas with them, so it measures the process as
// it is deployed. The image does not set them: it also runs `ingest`, which parses whole feeds.
//
// Why set them at all: V8 lets the old generation grow to a multiple of its live data before a
// full collection and takes that multiple from the heap limit — 4× under the default limit of a
// machine with memory to spare, 1.3× at 256 MB. The service's live heap is about 35 MB; uncapped,
// a replica under load sat at 260–310 MB RSS, past both of the rollout's RSS triggers (150 and
// 200 MB held for 10 minutes), which would roll phases back on every busy replica. The price,
// measured side by side (README, Configuration): fewer requests per second at peak and a longer p95
// under steady load, from more frequent full collections.
//
// The young generation is held at 1 MB per semi-space (V8 grows it to 8 MB under allocation): a
// cache hit now allocates little (the replay lane), so side by side on the cached path the server
// CPU per request was the same at 1 and 4 MB, while an idle replica with the sample data sat at
// 92–96 MB RSS instead of 99–105 MB, and 109 instead of 118 MB after the cached load.
export const SERVICE_HEAP_OPTIONS: readonly string[] = ['--max-old-space-size=256', '--max-semi-space-size=1'];

// glibc gives each thread that allocates its own malloc arena (up to 8 per core); V8's GC helpers
// and libuv's pool each keep freed memory in theirs. Two arenas, measured side by side on
// `serve` under the benchmark's mix (100 k rows, three 6 s runs): peak RSS 136–142 MB instead of
// 144–148 MB on PostgreSQL and 149–151 instead of 154–158 on SQLite, at the same throughput.
// One arena: the JavaScript runs on one thread, and the helpers allocate little, so they rarely
// wait on its lock. Side by side with the sample data, idle 94.8–95.8 MB against 96.8–97.7 MB
// (six starts each) and 125.6–128.5 against 128.4–130.6 MB after the mixed load; the server CPU
// per cached request showed no difference above this machine's run-to-run noise.
// glibc reads it only at process start, so it travels in the environment beside NODE_OPTIONS
// (the image sets it for every command; the benchmark's import runs with it as the image does).
export const SERVICE_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };
