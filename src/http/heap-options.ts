// The V8 heap settings (and glibc's arena bound, below) the API service runs with, in one place.
// `npm start` and the Kubernetes API Deployment pass them (test/heap-options.test.ts and
// test/deploy-k8s.test.ts keep both equal to these), and the benchmark starts its replicas with them, so it measures the process as
// it is deployed. The image does not set them (only COMMAND_MALLOC_ENV): it also runs `ingest`,
// which parses whole feeds.
// One more V8 setting, pretenuring off, is set from inside the serving process (pretenuring.ts):
// Node refuses that flag in NODE_OPTIONS.
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
// 92–96 MB RSS instead of 99–105 MB, and 109 instead of 118 MB after the cached load. Measured
// again once the replay lane had been trimmed (2026-12-04): 2 MB semi-spaces left a replica that
// had served the benchmark's heavy mix a few µs cheaper per cached request, but the sample data's
// RSS after the mixed load went to 118.4 MB on SQLite and 126.9 MB on PostgreSQL with Redis.
export const SERVICE_HEAP_OPTIONS: readonly string[] = ['--max-old-space-size=256', '--max-semi-space-size=1'];

// glibc gives each thread that allocates its own malloc arena (up to 8 per core); V8's GC helpers
// and libuv's pool each keep freed memory in theirs. Two arenas, measured side by side on
// `serve` under the benchmark's mix (100 k rows, three 6 s runs): peak RSS 136–142 MB instead of
// 144–148 MB on PostgreSQL and 149–151 instead of 154–158 on SQLite, at the same throughput.
// One arena: the JavaScript runs on one thread, and the helpers allocate little, so they rarely
// wait on its lock. Side by side with the sample data, idle 94.8–95.8 MB against 96.8–97.7 MB
// (six starts each) and 125.6–128.5 against 128.4–130.6 MB after the mixed load; the server CPU
// per cached request showed no difference above this machine's run-to-run noise. An import peaks
// about 15 MB lower with it, so it suits every command: the image sets it for all of them.
export const COMMAND_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

// The two thresholds hand freed memory back to the system. glibc's own defaults keep it: an
// allocation of 128 KB or more gets its own mapping, but that bound rises to the largest block
// ever freed (start-up frees a few large compiler and parser blocks, so it rises early), and
// blocks under it come from the heap, whose free middle is never returned. With an idle replica
// holding 15 MB of malloc heap, `malloc_trim` (called from gdb) handed back 2.7 MB of it. Fixed
// at 32 KB (a block that large gets its own mapping, unmapped when freed) and with the heap's top
// trimmed past 64 KB free, side by side with the sample data: idle 86.1–87.4 MB against
// 89.2–90.1 MB (three starts each), and 86.8 against 88.4–88.8 MB in the benchmark. On the
// cached path a mapping comes once per ~80 requests (strace: 108 mmap calls in 9,000 requests).
// A fixed 128 KB bound instead, in the benchmark's sample-data runs (2026-12-07): idle 82.0 MB
// against 80.4 on SQLite and 82.0 against 78.7 on PostgreSQL with Redis.
//
// They are the service's alone, like the heap options: an import allocates and frees blocks of
// 32 KB and more all the time (V8's compiler zones, SQLite's statements), and each fresh mapping
// is zeroed by the kernel page by page. A 20,000-listing import into SQLite made 9,118 mappings
// and 120,000–130,000 page faults with them against 50,000–66,000 without, for 2.2–2.5 s of
// system time against 0.9–1.1 s, and took 7.4–8.7 s against 6.0–7.2 s (three alternated rounds,
// same peak RSS, 176–181 MB). glibc reads them only at process start, so they travel in the
// environment beside NODE_OPTIONS, where `serve` is started.
export const SERVICE_MALLOC_ENV: Readonly<Record<string, string>> = {
  ...COMMAND_MALLOC_ENV,
  MALLOC_MMAP_THRESHOLD_: '32768',
  MALLOC_TRIM_THRESHOLD_: '65536',
};
