import type { ArbitrageParams } from '../../config/arbitrage.js';
import type { ListingInput } from '../types.js';
import { percentOf } from './money.js';

export interface Fees {
  buyerPremiumCents: number;
  docFeeCents: number;
  assumptions: string[];
}

/**
 * Buyer's premium (rounded half away from zero to the cent) and doc fee. A figure stated on the
 * listing wins: agencies' own terms override the source's usual schedule.
 */
export function computeFees(
  listing: Pick<ListingInput, 'source' | 'currentBidCents' | 'buyerPremiumPct' | 'docFeeCents'>,
  params: ArbitrageParams,
): Fees {
  const assumptions: string[] = [];
  const key = listing.source.trim().toLowerCase();
  let row = params.fees.sources[key];
  if (!row) {
    row = params.fees.sources[params.fees.unknownSourceFallback];
    const statedBoth = listing.buyerPremiumPct != null && listing.docFeeCents != null;
    if (!statedBoth) assumptions.push('fees:unknown_source');
  }
  const pct = listing.buyerPremiumPct ?? row.buyerPremiumPct;
  return {
    buyerPremiumCents: percentOf(listing.currentBidCents, pct),
    docFeeCents: listing.docFeeCents ?? row.docFeeCents,
    assumptions,
  };
}
