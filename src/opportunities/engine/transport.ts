import type { ArbitrageParams } from '../../config/arbitrage.js';
import type { ListingInput } from '../types.js';
import { roundHalfAway } from './money.js';

const EARTH_RADIUS_MI = 3958.8;

export function greatCircleMiles(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_MI * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface Transport {
  miles: number;
  cents: number;
  assumptions: string[];
}

/**
 * Road miles, rounded half away to whole miles, priced at the rate of the band the whole
 * distance falls in (not marginal), rounded to the cent, never below the minimum.
 */
export function transportCost(miles: number, params: ArbitrageParams): number {
  const t = params.transport;
  const band = t.bands.find((b) => b.maxMiles === null || miles <= b.maxMiles) ?? t.bands[t.bands.length - 1];
  return Math.max(t.minimumCents, roundHalfAway(miles * band.rateCentsPerMile));
}

function dealerPoint(params: ArbitrageParams): { lat: number; lon: number; assumed: boolean } {
  const d = params.dealer;
  if (d.latitude !== null && d.longitude !== null) return { lat: d.latitude, lon: d.longitude, assumed: false };
  const c = params.transport.stateCentroids[d.state];
  return { lat: c[0], lon: c[1], assumed: true };
}

/** Miles from the listing to the dealer: coordinates first, then the legacy CA table, then state centroids. */
export function transportMiles(
  listing: Pick<ListingInput, 'state' | 'latitude' | 'longitude'>,
  params: ArbitrageParams,
): { miles: number; assumptions: string[] } {
  const t = params.transport;
  const assumptions: string[] = [];
  const dealer = dealerPoint(params);
  if (dealer.assumed) assumptions.push('transport:dealer_state_centroid');
  const state = listing.state.trim().toUpperCase();

  if (listing.latitude != null && listing.longitude != null) {
    const gc = greatCircleMiles(listing.latitude, listing.longitude, dealer.lat, dealer.lon);
    return { miles: roundHalfAway(gc * t.roadFactor), assumptions };
  }
  if (params.dealer.state === t.stateTableDealerState) {
    // The legacy table already holds road-ish miles, so the road factor is not applied again.
    const known = t.stateMilesToCA[state];
    if (known === undefined) {
      assumptions.push('transport:unknown_state');
      return { miles: t.unknownStateMiles, assumptions };
    }
    assumptions.push('transport:state_table');
    return { miles: known, assumptions };
  }
  const c = t.stateCentroids[state];
  if (!c) {
    assumptions.push('transport:unknown_state');
    return { miles: t.unknownStateMiles, assumptions };
  }
  assumptions.push('transport:state_centroid');
  return { miles: roundHalfAway(greatCircleMiles(c[0], c[1], dealer.lat, dealer.lon) * t.roadFactor), assumptions };
}

export function computeTransport(
  listing: Pick<ListingInput, 'state' | 'latitude' | 'longitude'>,
  params: ArbitrageParams,
): Transport {
  const { miles, assumptions } = transportMiles(listing, params);
  return { miles, cents: transportCost(miles, params), assumptions };
}
