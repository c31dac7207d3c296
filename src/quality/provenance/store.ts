// Reading an opportunity's provenance: the stored record of its listing and the listing as read.
// Published opportunities and ended auctions (their detail stays readable) have provenance.
import { dbBool, type Db } from '../../storage/index.js';
import { listingFromRow, type ListingInput } from '../../opportunities/index.js';
import type { ProvenanceRow } from './records.js';

export interface StoredProvenance {
  /** Null for a listing stored before provenance was recorded. */
  row: ProvenanceRow | null;
  listing: ListingInput | null;
}

/** The listing behind a published or ended opportunity; null when there is none with this id. */
export async function provenanceListingId(db: Db, opportunityId: number): Promise<number | null> {
  const opp = await db.kysely
    .selectFrom('opportunities')
    .select(['id', 'listing_id'])
    .where('id', '=', opportunityId)
    .where((eb) => eb.or([eb('is_active', '=', dbBool(db, true)), eb('status', '=', 'ended')]))
    .executeTakeFirst();
  return opp ? Number(opp.listing_id) : null;
}

/** The stored provenance record of a listing, and the listing as read. */
export async function readProvenance(db: Db, listingId: number): Promise<StoredProvenance> {
  const [row, listingRow] = await Promise.all([
    db.kysely.selectFrom('quality_provenance').selectAll().where('listing_id', '=', listingId).executeTakeFirst(),
    db.kysely.selectFrom('listings').selectAll().where('id', '=', listingId).executeTakeFirst(),
  ]);
  return { row: row ?? null, listing: listingRow ? listingFromRow(listingRow) : null };
}
