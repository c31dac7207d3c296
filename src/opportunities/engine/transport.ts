import type { ArbitrageParams } from '../../config/index.js';
import { greatCircleMiles, zipLocation, zipPrefixCentroid, type GeoPoint } from '../../common/geo.js';
import { roundHalfAway } from './money.js';

export { greatCircleMiles } from '../../common/geo.js';

/** Where a vehicle or a dealer is; the most precise part given wins. */
export interface Location {
  zip: string | null;
  state: string;
  latitude?: number | null;
  longitude?: number | null;
}

export interface Transport {
  miles: number;
  cents: number;
  assumptions: string[];
}

type TransportParams = ArbitrageParams['transport'];
type Precision = 'coordinates' | 'zip' | 'zip_prefix' | 'state_centroid';

/** Coordinates, then the ZIP's, then its three-digit prefix's centroid, then the state's centroid. */
export function locate(loc: Location, t: TransportParams): { point: GeoPoint; precision: Precision } | null {
  if (loc.latitude != null && loc.longitude != null) return { point: { lat: loc.latitude, lon: loc.longitude }, precision: 'coordinates' };
  const zip = loc.zip?.trim() ?? '';
  if (zip !== '') {
    const z = zipLocation(zip);
    if (z) return { point: z, precision: 'zip' };
    const p = zipPrefixCentroid(zip);
    if (p) return { point: p, precision: 'zip_prefix' };
  }
  const c = t.stateCentroids[loc.state.trim().toUpperCase()];
  return c ? { point: { lat: c[0], lon: c[1] }, precision: 'state_centroid' } : null;
}

/**
 * Road miles, rounded half away to whole miles, priced at the rate of the band the whole
 * distance falls in (not marginal), rounded to the cent, never below the minimum — nor below
 * what the longest haul of a shorter band costs: at the rate alone 501 miles ($951.90) cost less
 * than 500 ($1,100), and a farther vehicle could rank above a nearer one.
 */
export function transportCost(miles: number, params: ArbitrageParams): number {
  const t = params.transport;
  const band = t.bands.find((b) => b.maxMiles === null || miles <= b.maxMiles) ?? t.bands[t.bands.length - 1];
  let cents = roundHalfAway(miles * band.rateCentsPerMile);
  for (const shorter of t.bands) {
    if (shorter.maxMiles === null || shorter.maxMiles >= miles) break;
    cents = Math.max(cents, roundHalfAway(shorter.maxMiles * shorter.rateCentsPerMile));
  }
  return Math.max(t.minimumCents, cents);
}

// States and territories no road joins to the rest: a route to or from one goes by sea or barge.
const OFFSHORE = new Set(['AK', 'HI', 'PR', 'GU', 'VI', 'AS', 'MP']);

/** Road miles from the vehicle to the dealer: great-circle distance × the road factor. */
export function transportMiles(listing: Location, dealer: Location, params: ArbitrageParams): { miles: number; assumptions: string[] } {
  const t = params.transport;
  const from = locate(listing, t);
  const to = locate(dealer, t);
  const assumptions: string[] = [];
  // No truck drives from Honolulu or San Juan: the road estimate stands, and says it is one.
  const a = listing.state.trim().toUpperCase();
  const b = dealer.state.trim().toUpperCase();
  if (a !== b && (OFFSHORE.has(a) || OFFSHORE.has(b))) assumptions.push('transport:offshore');
  if (to?.precision === 'state_centroid') assumptions.push('transport:dealer_state_centroid');
  if (from?.precision === 'zip_prefix') assumptions.push('transport:zip_prefix');
  if (from?.precision === 'state_centroid') assumptions.push('transport:state_centroid');
  if (!from || !to) {
    assumptions.push(from ? 'transport:unknown_dealer_location' : 'transport:unknown_state');
    return { miles: t.unknownStateMiles, assumptions };
  }
  return { miles: roundHalfAway(greatCircleMiles(from.point.lat, from.point.lon, to.point.lat, to.point.lon) * t.roadFactor), assumptions };
}

/** transport(listing location, dealer location): the dealer is an argument, so each dealer can have its own. */
export function computeTransport(listing: Location, dealer: Location, params: ArbitrageParams): Transport {
  const { miles, assumptions } = transportMiles(listing, dealer, params);
  return { miles, cents: transportCost(miles, params), assumptions };
}

/** The configured dealer's location. */
export function configuredDealer(params: ArbitrageParams): Location {
  return { zip: params.dealer.zip, state: params.dealer.state, latitude: params.dealer.latitude, longitude: params.dealer.longitude };
}
