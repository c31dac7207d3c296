// A feed that has no column for an optional field says nothing about it: a later file of four
// columns must not erase the VIN, mileage or ZIP an earlier, fuller file stored for the same lot.
// Such fields keep their stored value, and provenance says where it came from (method "imputed",
// its input the stored listing, the import that stored it named in the assumption).
import type { Db } from '../storage/index.js';
import type { ListingOrigin } from '../quality/index.js';
import type { ListingInput } from '../opportunities/index.js';
import type { KeptField } from './feed-columns.js';

interface Row {
  listing: ListingInput;
  origin?: ListingOrigin;
  absent?: readonly KeptField[];
}

interface StoredRow {
  source: string;
  lot_id: string;
  origin: string;
  trim: string | null;
  vin: string | null;
  mileage: number | null;
  city: string | null;
  zip: string | null;
  listing_url: string | null;
  title_status: string;
  description: string | null;
  buyer_premium_bp: number | null;
  doc_fee_cents: number | null;
}

/** The stored value of a field, or null where nothing worth keeping is stored. */
function storedValue(s: StoredRow, field: KeptField): ListingInput[KeptField] | null {
  switch (field) {
    case 'trim':
      return s.trim;
    case 'vin':
      return s.vin;
    case 'mileage':
      return s.mileage === null ? null : Number(s.mileage);
    case 'city':
      return s.city;
    case 'zip':
      return s.zip;
    case 'listingUrl':
      return s.listing_url;
    case 'titleStatus':
      // 'unknown' is what a file without the column gives; there is nothing to keep.
      return s.title_status === 'unknown' ? null : (s.title_status as ListingInput['titleStatus']);
    case 'description':
      return s.description;
    case 'buyerPremiumPct':
      return s.buyer_premium_bp === null ? null : Number(s.buyer_premium_bp) / 100;
    case 'docFeeCents':
      return s.doc_fee_cents === null ? null : Number(s.doc_fee_cents);
  }
}

/**
 * Fills each row's absent fields from the stored listing of its lot, where one is stored, and
 * records that in the row's origin. Rows of new lots, and rows with every column, are untouched.
 */
export async function keepStoredWhereAbsent(db: Db, rows: readonly Row[]): Promise<void> {
  const lotsBySource = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!r.absent?.length) continue;
    const lots = lotsBySource.get(r.listing.source) ?? new Set<string>();
    lots.add(r.listing.lotId);
    lotsBySource.set(r.listing.source, lots);
  }
  if (lotsBySource.size === 0) return;
  const found: StoredRow[] = [];
  for (const [source, lots] of lotsBySource) {
    const part = await db.kysely
      .selectFrom('listings')
      .select([
        'source',
        'lot_id',
        'origin',
        'trim',
        'vin',
        'mileage',
        'city',
        'zip',
        'listing_url',
        'title_status',
        'description',
        'buyer_premium_bp',
        'doc_fee_cents',
      ])
      .where('source', '=', source)
      .where('lot_id', 'in', [...lots])
      .execute();
    found.push(...(part as StoredRow[]));
  }
  const byLot = new Map(found.map((s) => [`${s.source}\u0000${s.lot_id}`, s]));
  for (const r of rows) {
    if (!r.absent?.length) continue;
    const stored = byLot.get(`${r.listing.source}\u0000${r.listing.lotId}`);
    if (!stored) continue;
    for (const field of r.absent) {
      const value = storedValue(stored, field);
      if (value === null) continue;
      (r.listing as unknown as Record<string, unknown>)[field] = value;
      if (!r.origin) continue;
      delete r.origin.locators[field];
      (r.origin.methods ??= {})[field] = 'imputed';
      (r.origin.inputs ??= {})[field] = ['stored listing'];
      (r.origin.assumptions ??= {})[field] = `this file has no column for it: the value stored by ${stored.origin} is kept`;
    }
  }
}
