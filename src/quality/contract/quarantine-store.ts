// Quarantine: records that broke the listing contract, kept with every reason until a compliant
// copy of the same lot arrives. Never silently dropped; listable by API and CLI.
import { atomicWrite, dbBool, inList, lookupKeysPerStatement, type Db } from '../../storage/index.js';
import type { ListingInput } from '../../opportunities/index.js';
import { LISTING_CONTRACT_VERSION, type Violation } from './listing-contract.js';
import { inKeyOrder } from '../../common/compare.js';
import { listingKey } from '../anomaly/detector.js';

export interface QuarantineEntry {
  row: number | null;
  listing: ListingInput;
  violations: Violation[];
}

export interface QuarantinedRecord {
  id: number;
  source: string;
  lotId: string;
  origin: string;
  importId: number | null;
  row: number | null;
  contractVersion: string;
  reasons: Violation[];
  record: Record<string, unknown>;
  status: 'quarantined' | 'released';
  quarantinedAt: string;
  updatedAt: string;
}

/** Quarantines the failing records, releases earlier quarantines of lots that now pass, unpublishes failing lots. */
export async function applyContractResults(
  db: Db,
  failing: readonly QuarantineEntry[],
  passing: readonly ListingInput[],
  ctx: { importId: number; origin: string; now: number },
): Promise<{ unpublished: number }> {
  let unpublished = 0;
  // Written in lot order. PostgreSQL locks rows in the order a transaction writes them, so two
  // imports quarantining overlapping lots met in different orders deadlocked and one import
  // failed; in one order they queue.
  const ordered = inKeyOrder(failing, (f) => listingKey(f.listing));
  const lots = [...new Set(passing.map((l) => l.lotId))];
  const size = lookupKeysPerStatement(db.dialect);
  // A batch with no failing record writes only its releases, at most one statement a part of its lots.
  const writes = ordered.length ? Infinity : Math.ceil(lots.length / size);
  await atomicWrite(db, writes, async (trx) => {
    for (const f of ordered) {
      const values = {
        source: f.listing.source,
        lot_id: f.listing.lotId,
        origin: ctx.origin,
        import_id: ctx.importId,
        row_number: f.row,
        contract_version: LISTING_CONTRACT_VERSION,
        reasons_json: JSON.stringify(f.violations),
        record_json: JSON.stringify(f.listing).slice(0, 50_000),
        status: 'quarantined',
        created_at: ctx.now,
        updated_at: ctx.now,
      };
      await trx
        .insertInto('quality_quarantine')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['source', 'lot_id']).doUpdateSet({
            origin: values.origin,
            import_id: values.import_id,
            row_number: values.row_number,
            contract_version: values.contract_version,
            reasons_json: values.reasons_json,
            record_json: values.record_json,
            status: 'quarantined',
            updated_at: ctx.now,
          }),
        )
        .execute();
      // An earlier compliant version must not stay published while the lot's current data is quarantined.
      const res = await trx
        .updateTable('listings')
        .set({ is_active: dbBool(db, false), updated_at: ctx.now })
        .where('source', '=', f.listing.source)
        .where('lot_id', '=', f.listing.lotId)
        .where('is_active', '=', dbBool(db, true))
        .returning('id')
        .execute();
      if (res.length) {
        unpublished += res.length;
        await trx
          .updateTable('opportunities')
          .set({ is_active: dbBool(db, false), updated_at: ctx.now })
          .where(
            'listing_id',
            'in',
            res.map((r) => Number(r.id)),
          )
          .execute();
      }
    }
    const passKeys = new Set(passing.map((l) => `${l.source}\u0000${l.lotId}`));
    for (let i = 0; i < lots.length; i += size) {
      const held = await trx
        .selectFrom('quality_quarantine')
        .select(['id', 'source', 'lot_id'])
        .where('status', '=', 'quarantined')
        .where('lot_id', 'in', inList(lots.slice(i, i + size)))
        .execute();
      const release = held.filter((h) => passKeys.has(`${h.source}\u0000${h.lot_id}`)).map((h) => Number(h.id));
      if (release.length)
        await trx.updateTable('quality_quarantine').set({ status: 'released', updated_at: ctx.now }).where('id', 'in', release).execute();
    }
  });
  return { unpublished };
}

/**
 * The run's counts with the rows rejected while reading (a negative bid, a missing required
 * field) added as validated and not passed: compliance is of every record the import was given,
 * and a $-500 bid breaks the contract's range rule whether the reader or the validator finds it.
 * `counts` is left as it was.
 */
export function countRejected(
  counts: ReadonlyMap<string, { validated: number; passed: number }>,
  rejected: ReadonlyArray<{ source?: string | null }>,
): Map<string, { validated: number; passed: number }> {
  const out = new Map([...counts].map(([source, c]) => [source, { ...c }]));
  for (const r of rejected) {
    const source = r.source || 'unknown';
    const c = out.get(source) ?? { validated: 0, passed: 0 };
    c.validated++;
    out.set(source, c);
  }
  return out;
}

export async function recordContractRun(
  db: Db,
  importId: number,
  counts: Map<string, { validated: number; passed: number }>,
  now: number,
): Promise<void> {
  if (counts.size === 0) return;
  await db.kysely
    .insertInto('quality_contract_runs')
    .values(
      [...counts].map(([source, c]) => ({
        import_id: importId,
        source,
        contract_version: LISTING_CONTRACT_VERSION,
        validated: c.validated,
        passed: c.passed,
        at: now,
      })),
    )
    .execute();
}

export interface QuarantineQuery {
  status?: 'quarantined' | 'released';
  source?: string;
  limit: number;
  offset: number;
}

export async function listQuarantine(db: Db, q: QuarantineQuery): Promise<{ items: QuarantinedRecord[]; total: number }> {
  let base = db.kysely.selectFrom('quality_quarantine');
  if (q.status) base = base.where('status', '=', q.status);
  if (q.source) base = base.where('source', '=', q.source);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    items: rows.map((r) => ({
      id: Number(r.id),
      source: r.source,
      lotId: r.lot_id,
      origin: r.origin,
      importId: r.import_id === null ? null : Number(r.import_id),
      row: r.row_number,
      contractVersion: r.contract_version,
      reasons: JSON.parse(r.reasons_json) as Violation[],
      record: JSON.parse(r.record_json) as Record<string, unknown>,
      status: r.status as QuarantinedRecord['status'],
      quarantinedAt: new Date(Number(r.created_at)).toISOString(),
      updatedAt: new Date(Number(r.updated_at)).toISOString(),
    })),
  };
}
