// Rolling windows over this replica's own requests, per route group, on the shared LatencyWindow:
// one bucket per second with a log-scale latency histogram (2 % wide bins from 1 ms, so a P95 is
// within ±1 % of the true value) and the 5xx count. Buckets older than the longest window anyone
// asks for are dropped. The bin numbers travel in the fleet's shared copy (SlotTotals), so this
// scale must not change while replicas of another version share it.
import { LatencyWindow, logScale, sampleQuantile } from '../common/latency-window.js';

const SCALE = logScale(1.02, 1);
const BUCKET_MS = 1000;

/** A slot's totals in the fleet's shared copy: requests, 5xx, latency histogram bins. */
export interface SlotTotals {
  c: number;
  e: number;
  b: Record<number, number>;
}

export interface WindowReading {
  requests: number;
  errors: number;
  /** null when there were no requests. */
  errorRate: number | null;
  p95Ms: number | null;
}

export class RequestWindow {
  private readonly window: LatencyWindow;

  constructor(retainMs: number) {
    this.window = new LatencyWindow({ bucketMs: BUCKET_MS, retainMs, scale: SCALE });
  }

  record(group: string, at: number, durationMs: number, isError: boolean): void {
    this.window.record(group, at, durationMs, isError);
  }

  /** This window's buckets from the slot holding `fromMs` on, summed into slots of `slotMs` (for the fleet's copy). */
  slots(slotMs: number, fromMs: number): Map<number, Record<string, SlotTotals>> {
    const out = new Map<number, Record<string, SlotTotals>>();
    // Whole slots only: a slot's totals overwrite what the fleet's copy held for it.
    const first = Math.floor((Math.floor(fromMs / slotMs) * slotMs) / BUCKET_MS);
    for (const { series: group, bucket: key, sample: b } of this.window.buckets()) {
      if (key < first) continue;
      const slot = Math.floor((key * BUCKET_MS) / slotMs);
      let groups = out.get(slot);
      if (!groups) out.set(slot, (groups = {}));
      const t = (groups[group] ??= { c: 0, e: 0, b: {} });
      t.c += b.requests;
      t.e += b.errors;
      for (const [bin, n] of b.bins) t.b[bin] = (t.b[bin] ?? 0) + n;
    }
    return out;
  }

  /** Adds totals measured elsewhere as one bucket at `at` (the fleet's merged slots). */
  add(group: string, at: number, totals: SlotTotals): void {
    const bins = new Map(Object.entries(totals.b).map(([bin, n]) => [Number(bin), n] as const));
    this.window.add(group, at, { requests: totals.c, errors: totals.e, bins });
  }

  groupNames(): string[] {
    return this.window.seriesNames();
  }

  /** Reading over (now − windowMs, now] for one group, or every group together. */
  read(windowMs: number, now: number, group?: string): WindowReading {
    const s = this.window.sum(Math.floor((now - windowMs) / BUCKET_MS) + 1, Math.floor(now / BUCKET_MS), group);
    return {
      requests: s.requests,
      errors: s.errors,
      errorRate: s.requests ? s.errors / s.requests : null,
      p95Ms: sampleQuantile(s, 0.95, SCALE),
    };
  }
}

/** Route groups for per-group latency SLOs; operational endpoints are not user latency. */
export function routeGroup(routeUrl: string | undefined): string | null {
  if (!routeUrl) return 'unmatched';
  if (routeUrl === '/metrics' || routeUrl === '/healthz' || routeUrl === '/readyz') return null;
  if (routeUrl.startsWith('/api/')) return 'api';
  if (routeUrl.startsWith('/admin/')) return 'admin';
  if (routeUrl.startsWith('/console')) return 'console';
  return 'other';
}
