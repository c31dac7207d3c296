// Parse coverage of a source run: of the fields the source's format can carry, how many the
// adapter filled, over every vehicle lot it read. A layout change that leaves lots readable
// but empties a field (VIN no longer found in the description) shows here before anywhere else.
import type { ListingInput } from '../../opportunities/index.js';
import type { Draft } from './listing-builder.js';

type Field = keyof ListingInput;

export interface CoverageSummary {
  lots: number;
  filled: number;
  available: number;
  /** filled ÷ available; null when no lot was read. */
  ratio: number | null;
  /** Share of lots with each field filled. */
  fields: Partial<Record<Field, number>>;
}

export class ParseCoverage {
  private lots = 0;
  private readonly filledBy = new Map<Field, number>();

  constructor(readonly available: readonly Field[]) {}

  add(d: Draft): void {
    if (d.skip !== null) return;
    this.lots += 1;
    for (const f of this.available) if (d.values[f] !== undefined) this.filledBy.set(f, (this.filledBy.get(f) ?? 0) + 1);
  }

  summary(): CoverageSummary {
    const available = this.lots * this.available.length;
    let filled = 0;
    const fields: CoverageSummary['fields'] = {};
    for (const f of this.available) {
      const n = this.filledBy.get(f) ?? 0;
      filled += n;
      fields[f] = this.lots ? n / this.lots : 0;
    }
    return { lots: this.lots, filled, available, ratio: available ? filled / available : null, fields };
  }
}

/** Fields every auction format carries in some form (structured or in its description). */
export const COMMON_FIELDS: readonly Field[] = [
  'lotId',
  'title',
  'year',
  'make',
  'model',
  'vin',
  'mileage',
  'currentBidCents',
  'auctionEndsAt',
  'city',
  'state',
  'zip',
  'listingUrl',
  'titleStatus',
  'description',
];
