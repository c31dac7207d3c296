// Operator verdicts on anomaly flags: listing them, and marking one a false positive, which
// re-appraises the listing (it may be hot again) and feeds the false-positive ratio.
import type { ArbitrageParams } from '../../config/index.js';
import type { Db } from '../../storage/index.js';
import { reappraiseListings } from '../reappraise.js';
import type { AnomalyStatus } from './anomaly-store.js';

export interface AnomalyRecord {
  id: number;
  listingId: number | null;
  opportunityId: number | null;
  source: string;
  lotId: string;
  kind: string;
  detail: string;
  status: AnomalyStatus;
  detectedAt: string;
  updatedAt: string;
  markedBy: string | null;
}

const STATUSES: readonly AnomalyStatus[] = ['open', 'false_positive', 'confirmed', 'resolved'];
export const isAnomalyStatus = (s: string): s is AnomalyStatus => (STATUSES as readonly string[]).includes(s);

function baseQuery(db: Db) {
  return db.kysely
    .selectFrom('quality_anomalies as a')
    .leftJoin('opportunities as o', 'o.listing_id', 'a.listing_id')
    .select([
      'a.id',
      'a.listing_id',
      'o.id as opportunity_id',
      'a.source',
      'a.lot_id',
      'a.kind',
      'a.detail',
      'a.status',
      'a.detected_at',
      'a.updated_at',
      'a.marked_by',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];
const toRecord = (r: Row): AnomalyRecord => ({
  id: Number(r.id),
  listingId: r.listing_id === null ? null : Number(r.listing_id),
  opportunityId: r.opportunity_id === null ? null : Number(r.opportunity_id),
  source: r.source,
  lotId: r.lot_id,
  kind: r.kind,
  detail: r.detail,
  status: r.status as AnomalyStatus,
  detectedAt: new Date(Number(r.detected_at)).toISOString(),
  updatedAt: new Date(Number(r.updated_at)).toISOString(),
  markedBy: r.marked_by,
});

export async function listAnomalies(
  db: Db,
  q: { status?: AnomalyStatus; limit: number; offset: number },
): Promise<{ items: AnomalyRecord[]; total: number }> {
  let list = baseQuery(db);
  let count = db.kysely.selectFrom('quality_anomalies').select((eb) => eb.fn.countAll<number>().as('n'));
  if (q.status) {
    list = list.where('a.status', '=', q.status);
    count = count.where('status', '=', q.status);
  }
  const [rows, n] = await Promise.all([
    list.orderBy('a.id', 'desc').limit(q.limit).offset(q.offset).execute(),
    count.executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toRecord), total: Number(n.n) };
}

export async function getAnomaly(db: Db, id: number): Promise<AnomalyRecord | null> {
  const r = await baseQuery(db).where('a.id', '=', id).executeTakeFirst();
  return r ? toRecord(r) : null;
}

export class AnomalyNotFound extends Error {}

/** Marks a flag as a false positive and re-appraises its listing; idempotent. */
export async function markFalsePositive(
  db: Db,
  id: number,
  opts: { actor: string; now: number; params: ArbitrageParams; anomalyDetection: boolean },
): Promise<{ anomaly: AnomalyRecord; reappraised: number }> {
  const before = await getAnomaly(db, id);
  if (!before) throw new AnomalyNotFound(`anomaly ${id} not found`);
  await db.kysely
    .updateTable('quality_anomalies')
    .set({ status: 'false_positive', marked_by: opts.actor, updated_at: opts.now })
    .where('id', '=', id)
    .execute();
  const reappraised = before.listingId === null ? 0 : await reappraiseListings(db, [before.listingId], opts);
  return { anomaly: (await getAnomaly(db, id))!, reappraised };
}
