// Does the make a listing states agree with the make its VIN was issued for?
import { sameBrand, squeezeMake } from '../../opportunities/index.js';
import type { VinDecode } from './decoder.js';

// vPIC vehicle types whose VIN belongs to a chassis maker while sellers name the body builder
// (a Blue Bird bus on an International chassis, an ambulance on a Ford cutaway).
const CHASSIS_TYPES = new Set(['INCOMPLETE VEHICLE', 'BUS', 'TRAILER']);

function sameMake(decoded: string, stated: string): boolean {
  const a = squeezeMake(decoded);
  const b = squeezeMake(stated);
  return a.startsWith(b) || b.startsWith(a) || sameBrand(a, b);
}

/** Why the listing's make contradicts its VIN, or null when it agrees or the VIN cannot tell. */
export function makeContradiction(listingMake: string, d: VinDecode): string | null {
  if (d.vehicleType && CHASSIS_TYPES.has(d.vehicleType.toUpperCase())) return null;
  const candidates = d.make ? [d.make] : d.wmiMakes;
  if (candidates.length === 0) return null;
  if (squeezeMake(listingMake) === '' || candidates.some((c) => sameMake(c, listingMake))) return null;
  const who = d.manufacturer ? ` by ${d.manufacturer}` : '';
  return `VIN ${d.vin} was issued for a ${candidates.join(' / ')}${d.model ? ` ${d.model}` : ''} (WMI ${d.wmi}${who}); the listing says ${listingMake}`;
}
