// Rolling windows over this replica's own requests, per route group: one bucket per second with a
// log-scale latency histogram (2 % wide bins, so a P95 is within ±1 % of the true value) and the
// 5xx count. Buckets older than the longest window anyone asks for are dropped.
const BIN_GROWTH = 1.02;
const LOG_GROWTH = Math.log(BIN_GROWTH);
const BUCKET_MS = 1000;

interface Bucket {
  count: number;
  errors: number;
  bins: Map<number, number>;
}

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

function binOf(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log(ms) / LOG_GROWTH);
}

/** Geometric middle of a bin: half a bin's width from either edge. */
function binValue(bin: number): number {
  return bin === 0 ? 1 : Math.exp((bin - 0.5) * LOG_GROWTH);
}

export class RequestWindow {
  private readonly groups = new Map<string, Map<number, Bucket>>();

  constructor(private readonly retainMs: number) {}

  record(group: string, at: number, durationMs: number, isError: boolean): void {
    let buckets = this.groups.get(group);
    if (!buckets) this.groups.set(group, (buckets = new Map<number, Bucket>()));
    const key = Math.floor(at / BUCKET_MS);
    let b = buckets.get(key);
    if (!b) {
      buckets.set(key, (b = { count: 0, errors: 0, bins: new Map() }));
      this.prune(buckets, at);
    }
    b.count++;
    if (isError) b.errors++;
    const bin = binOf(durationMs);
    b.bins.set(bin, (b.bins.get(bin) ?? 0) + 1);
  }

  /** This window's buckets from the slot holding `fromMs` on, summed into slots of `slotMs` (for the fleet's copy). */
  slots(slotMs: number, fromMs: number): Map<number, Record<string, SlotTotals>> {
    const out = new Map<number, Record<string, SlotTotals>>();
    // Whole slots only: a slot's totals overwrite what the fleet's copy held for it.
    const first = Math.floor(Math.floor(fromMs / slotMs) * slotMs / BUCKET_MS);
    for (const [group, buckets] of this.groups) {
      for (const [key, b] of buckets) {
        if (key < first) continue;
        const slot = Math.floor((key * BUCKET_MS) / slotMs);
        let groups = out.get(slot);
        if (!groups) out.set(slot, (groups = {}));
        const t = (groups[group] ??= { c: 0, e: 0, b: {} });
        t.c += b.count;
        t.e += b.errors;
        for (const [bin, n] of b.bins) t.b[bin] = (t.b[bin] ?? 0) + n;
      }
    }
    return out;
  }

  /** Adds totals measured elsewhere as one bucket at `at` (the fleet's merged slots). */
  add(group: string, at: number, totals: SlotTotals): void {
    let buckets = this.groups.get(group);
    if (!buckets) this.groups.set(group, (buckets = new Map<number, Bucket>()));
    const key = Math.floor(at / BUCKET_MS);
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { count: 0, errors: 0, bins: new Map() }));
    b.count += totals.c;
    b.errors += totals.e;
    for (const [bin, n] of Object.entries(totals.b)) b.bins.set(Number(bin), (b.bins.get(Number(bin)) ?? 0) + n);
  }

  groupNames(): string[] {
    return [...this.groups.keys()].sort();
  }

  /** Reading over (now − windowMs, now] for one group, or every group together. */
  read(windowMs: number, now: number, group?: string): WindowReading {
    const from = Math.floor((now - windowMs) / BUCKET_MS);
    const to = Math.floor(now / BUCKET_MS);
    let requests = 0;
    let errors = 0;
    const bins = new Map<number, number>();
    const sources = group === undefined ? [...this.groups.values()] : [this.groups.get(group) ?? new Map<number, Bucket>()];
    for (const buckets of sources) {
      for (const [key, b] of buckets) {
        if (key <= from || key > to) continue;
        requests += b.count;
        errors += b.errors;
        for (const [bin, n] of b.bins) bins.set(bin, (bins.get(bin) ?? 0) + n);
      }
    }
    return { requests, errors, errorRate: requests ? errors / requests : null, p95Ms: quantile(bins, requests, 0.95) };
  }

  private prune(buckets: Map<number, Bucket>, now: number): void {
    const oldest = Math.floor((now - this.retainMs) / BUCKET_MS);
    for (const key of buckets.keys()) if (key < oldest) buckets.delete(key);
  }
}

function quantile(bins: Map<number, number>, total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
    seen += bins.get(bin) as number;
    if (seen >= rank) return binValue(bin);
  }
  return null;
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
