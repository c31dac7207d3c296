// Preloaded into a replica (NODE_OPTIONS=--import=…) by suites that must watch minutes-long
// rules act: wall-clock time (Date.now, which the service's Clock reads) runs
// DEALERSCOPE_TEST_CLOCK_RATE times faster from the moment the process starts. Timers and
// request durations keep real time, so only "for N minutes" windows are compressed.
const rate = Number(process.env.DEALERSCOPE_TEST_CLOCK_RATE ?? '1');
if (Number.isFinite(rate) && rate > 1) {
  const wallAtStart = Date.now();
  const monoAtStart = performance.now();
  Date.now = () => Math.floor(wallAtStart + (performance.now() - monoAtStart) * rate);
}
