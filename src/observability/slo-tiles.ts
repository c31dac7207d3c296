// The four live SLO tiles of the SRE console (P95, RSS, error rate, cache hit rate), each a real
// measurement compared with its phase-gate threshold (docs/runbook.md, "Rollout phases"). A value that cannot be
// measured yet is reported as no data, never invented.
import type { FlagService } from '../flags/index.js';
import type { HttpWindow } from './http-window.js';
import { SIGNALS, type Signals } from './signals.js';

export type TileKey = 'p95' | 'rss' | 'error_rate' | 'hit_rate';
export type TileStatus = 'ok' | 'breach' | 'no_data';

export interface SloTile {
  key: TileKey;
  label: string;
  value: number | null;
  display: string;
  threshold: number;
  /** The value must stay on this side of the threshold. */
  objective: 'below' | 'above';
  thresholdDisplay: string;
  status: TileStatus;
  detail: string;
}

export const MIB = 1024 * 1024;

/** Phase-gate thresholds: P95 < 200 ms, RSS < 120 MB, error rate < 0.1 %, cache hit rate > 70 %. */
export const GATE = {
  p95Seconds: 0.2,
  rssBytes: 120 * MIB,
  errorRate: 0.001,
  hitRateMemory: 0.7,
  hitRateRedis: 0.85,
} as const;

export interface TileSources {
  http: HttpWindow;
  signals: Signals;
  flags: FlagService;
  rssBytes?: () => number;
}

const pct = (v: number) => `${(v * 100).toFixed(v < 0.01 ? 2 : 1)} %`;

function tile(t: Omit<SloTile, 'status' | 'display'>, format: (v: number) => string): SloTile {
  if (t.value === null) return { ...t, status: 'no_data', display: 'no data' };
  const ok = t.objective === 'below' ? t.value < t.threshold : t.value > t.threshold;
  return { ...t, status: ok ? 'ok' : 'breach', display: format(t.value) };
}

export async function readSloTiles(src: TileSources): Promise<SloTile[]> {
  const w = await src.http.read();
  const window = `${Math.round(src.http.windowSeconds / 60)} min window`;
  const samples = `${w.requests} requests`;
  const rss = (src.rssBytes ?? (() => process.memoryUsage().rss))();
  const redis = src.flags.get('CACHE_PROVIDER') === 'redis';
  const hitThreshold = redis ? GATE.hitRateRedis : GATE.hitRateMemory;
  const hit = src.signals.read(SIGNALS.cacheHitRatio);
  return [
    tile(
      {
        key: 'p95',
        label: 'P95 latency',
        value: w.p95Seconds,
        threshold: GATE.p95Seconds,
        objective: 'below',
        thresholdDisplay: '< 200 ms',
        detail: `${window}, ${samples}`,
      },
      (v) => `${Math.round(v * 1000)} ms`,
    ),
    tile(
      {
        key: 'rss',
        label: 'Resident memory',
        value: rss,
        threshold: GATE.rssBytes,
        objective: 'below',
        thresholdDisplay: '< 120 MB',
        detail: 'this replica, now',
      },
      (v) => `${(v / MIB).toFixed(1)} MB`,
    ),
    tile(
      {
        key: 'error_rate',
        label: 'Error rate (5xx)',
        value: w.errorRate,
        threshold: GATE.errorRate,
        objective: 'below',
        thresholdDisplay: '< 0.1 %',
        detail: `${window}, ${w.errors} errors of ${samples}`,
      },
      pct,
    ),
    tile(
      {
        key: 'hit_rate',
        label: 'Cache hit rate',
        value: hit,
        threshold: hitThreshold,
        objective: 'above',
        thresholdDisplay: `> ${hitThreshold * 100} %`,
        detail: redis ? 'Redis cache' : 'memory cache',
      },
      pct,
    ),
  ];
}
