import type { ArbitrageParams } from '../../config/arbitrage.js';
import type { ListingInput } from '../types.js';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole-word match so "Fleetwood" or "patrolman's bag" in a description does not trip the surcharge wrongly. */
export function isFleetUnit(listing: Pick<ListingInput, 'title' | 'description'>, params: ArbitrageParams): boolean {
  const text = `${listing.title} ${listing.description ?? ''}`.toLowerCase();
  return params.recon.fleetKeywords.some((k) =>
    new RegExp(`(^|[^a-z0-9])${escapeRegExp(k.toLowerCase())}([^a-z0-9]|$)`).test(text),
  );
}

export function computeRecon(
  listing: Pick<ListingInput, 'title' | 'description'>,
  params: ArbitrageParams,
): { cents: number; fleet: boolean } {
  const fleet = isFleetUnit(listing, params);
  return { cents: params.recon.baseCents + (fleet ? params.recon.fleetSurchargeCents : 0), fleet };
}
