// Runs an evaluation set through the real pipeline: dealer sales and market rows through the
// comps import, then the listings as one JSON feed, all at the set's reference time, into the
// database given; then reads back what was rejected, quarantined and published.
import { loadArbitrageParams, type ArbitrageParams } from '../src/config/arbitrage.js';
import { importCompsFile, importListingFeed } from '../src/ingest/import-service.js';
import { normalizeSource } from '../src/common/source-names.js';
import { toOpportunity } from '../src/opportunities/serialize.js';
import type { Db } from '../src/storage/db.js';
import { measure, type Outcome } from './measure.js';
import type { EvalSet, FeedRow } from './set-format.js';

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const toCsv = (rows: FeedRow[]): string => {
  if (rows.length === 0) return '';
  const header = Object.keys(rows[0]!);
  return [header.map(csvCell).join(','), ...rows.map((r) => header.map((h) => csvCell(r[h])).join(','))].join('\n');
};

/** The configured engine, shipping to the set's dealer instead of the configured one. */
function paramsFor(set: EvalSet): ArbitrageParams {
  const base = loadArbitrageParams();
  const dealer = {
    ...base.dealer,
    state: set.dealer.state,
    latitude: set.dealer.latitude,
    longitude: set.dealer.longitude,
  } as ArbitrageParams['dealer'];
  if ('zip' in base.dealer) (dealer as Record<string, unknown>).zip = set.dealer.zip;
  return { ...base, dealer };
}

export async function evaluateSet(set: EvalSet, db: Db, progress?: (label: string) => (done: number, total: number) => void) {
  const params = paramsFor(set);
  const now = Date.parse(set.referenceTime);
  if (set.sales.length)
    await importCompsFile(db, toCsv(set.sales), { origin: 'eval-sales.csv', now, params, onProgress: progress?.('dealer sales') });
  if (set.market.length)
    await importCompsFile(db, toCsv(set.market), { origin: 'eval-market.csv', now, params, onProgress: progress?.('market rows') });
  const summary = await importListingFeed(db, JSON.stringify(set.listings.map((l) => l.row)), 'json', {
    origin: 'eval-listings.json',
    now,
    params,
    onProgress: progress?.('listings'),
  });
  const rejected = new Map(summary.rejected.map((r) => [r.row, r.reason]));
  const quarantine = new Map<string, string[]>();
  for (const q of await db.kysely
    .selectFrom('quality_quarantine')
    .select(['source', 'lot_id', 'reasons_json'])
    .where('status', '=', 'quarantined')
    .execute()) {
    quarantine.set(
      `${q.source}\u0000${q.lot_id}`,
      (JSON.parse(q.reasons_json) as Array<{ rule: string; message: string }>).map((v) => `${v.rule}: ${v.message}`),
    );
  }
  const opps = new Map<string, ReturnType<typeof toOpportunity>>();
  for (const r of await db.kysely.selectFrom('opportunities').selectAll().execute())
    opps.set(`${r.source}\u0000${r.lot_id}`, toOpportunity(r));
  const outcomes: Outcome[] = set.listings.map((l, i) => {
    const reason = rejected.get(i + 1);
    if (reason !== undefined) return { kind: 'rejected', reason };
    const key = `${normalizeSource(String(l.row.source))}\u0000${String(l.row.lot_id)}`;
    const held = quarantine.get(key);
    if (held) return { kind: 'quarantined', reasons: held };
    const o = opps.get(key);
    if (!o) return { kind: 'rejected', reason: 'not published and not reported' };
    const flags = (o.anomalies as Array<{ kind?: string }>).map((a) => a.kind ?? 'flag');
    if (o.status === ('ended' as string) && !flags.includes('auction_ended')) flags.push('auction_ended');
    return { kind: 'published', opportunity: o, flags };
  });
  return { report: measure(set, outcomes, params), summary };
}
