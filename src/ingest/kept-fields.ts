// A feed that has no column for an optional field says nothing about it: a later file of four
// columns must not erase the VIN, mileage or ZIP an earlier, fuller file stored for the same lot.
// Such fields keep their stored value, and provenance says where it came from (method "imputed",
// its input the stored listing, the import that stored it named in the assumption).
import { lookupByGroup, type Db } from '../storage/index.js';
import type { ListingOrigin } from '../quality/index.js';
import { listingFromRow, type ListingInput } from '../opportunities/index.js';
import type { KeptField } from './feed-columns.js';
import { feedRowKey } from './feed.js';

interface Row {
  listing: ListingInput;
  origin?: ListingOrigin;
  absent?: readonly KeptField[];
}

/**
 * Fills each row's absent fields from the stored listing of its lot, where one is stored, and
 * records that in the row's origin. Rows of new lots, and rows with every column, are untouched.
 * Answers the listings it filled in.
 */
export async function keepStoredWhereAbsent(db: Db, rows: readonly Row[]): Promise<ReadonlySet<ListingInput>> {
  const filled = new Set<ListingInput>();
  const wanted = rows.flatMap((r) => (r.absent?.length ? [[r.listing.source, r.listing.lotId] as const] : []));
  if (wanted.length === 0) return filled;
  // Per lot: the stored listing as the engine reads it, and the import that stored it.
  const byLot = new Map<string, { listing: ListingInput; origin: string }>();
  const found = await lookupByGroup(db.dialect, wanted, (source, lots) =>
    db.kysely.selectFrom('listings').selectAll().where('source', '=', source).where('lot_id', 'in', lots),
  );
  for (const f of found) byLot.set(feedRowKey({ source: f.source, lotId: f.lot_id }), { listing: listingFromRow(f), origin: f.origin });
  for (const r of rows) {
    if (!r.absent?.length) continue;
    const stored = byLot.get(feedRowKey(r.listing));
    if (!stored) continue;
    for (const field of r.absent) {
      const value = stored.listing[field];
      // 'unknown' is what a file without the title column gives: there is nothing to keep.
      if (value === null || (field === 'titleStatus' && value === 'unknown')) continue;
      (r.listing as unknown as Record<string, unknown>)[field] = value;
      filled.add(r.listing);
      if (!r.origin) continue;
      delete r.origin.locators[field];
      (r.origin.methods ??= {})[field] = 'imputed';
      (r.origin.inputs ??= {})[field] = ['stored listing'];
      (r.origin.assumptions ??= {})[field] = `this file has no column for it: the value stored by ${stored.origin} is kept`;
    }
  }
  return filled;
}
