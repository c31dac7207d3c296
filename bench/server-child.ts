// A DealerScope replica for the benchmark, in its own process so its RSS and CPU are its own.
// The parent drives it over IPC: flag overrides, counters, shutdown.
import { loadConfig } from '../src/config/env.js';
import type { FlagName, FlagValue } from '../src/flags/registry.js';
import { startService } from '../src/http/service.js';

export type ChildRequest =
  | { id: number; type: 'flags'; overrides: Partial<Record<FlagName, FlagValue>> }
  | { id: number; type: 'stats' }
  | { id: number; type: 'stop' };

export interface ChildStats {
  rss: number;
  /** Process CPU time (user + system) since start, microseconds. */
  cpuUs: number;
  heapUsed: number;
  queries: number;
  loads: number;
  loadReasons: Record<string, number>;
  versionPolls: number;
  /** Requests answered by the replay lane (src/common/replay-lane.ts). */
  replayed: number;
  cache: { hits: number; misses: number; evictions: number; bytes: number; entries: number; hitRatio: number; degraded: boolean };
}

const send = (msg: unknown) => process.send?.(msg);

// BENCH_SAMPLE=1: the embedded default as `npm start` runs it, importing the bundled sample into an empty database.
const service = await startService(loadConfig(process.env), { sample: process.env.BENCH_SAMPLE === '1', logger: false });
send({ type: 'ready', url: service.url });

// The handler's promise is consumed here: Node ignores a listener's return value.
process.on(
  'message',
  (raw) =>
    void (async () => {
      const msg = raw as ChildRequest;
      if (msg.type === 'flags') {
        service.ctx.flags.setOverrides(msg.overrides);
        send({ id: msg.id, ok: true });
      } else if (msg.type === 'stats') {
        const mem = process.memoryUsage();
        const counters = service.ctx.cache.counters();
        const cpu = process.cpuUsage();
        const stats: ChildStats = {
          rss: mem.rss,
          cpuUs: cpu.user + cpu.system,
          heapUsed: mem.heapUsed,
          queries: service.ctx.db.stats.queries,
          loads: counters.loads,
          loadReasons: counters.loadReasons,
          versionPolls: counters.versionPolls,
          replayed: service.app.replayLane?.replayed ?? 0,
          cache: service.ctx.cache.stats(),
        };
        send({ id: msg.id, stats });
      } else if (msg.type === 'stop') {
        await service.close();
        send({ id: msg.id, ok: true });
        process.exit(0);
      }
    })(),
);
