// The shape of an evaluation set file (eval/sets/*.json), shared by the generator and the runner.
import type { VehicleClass } from './price-model.js';

export type FeedRow = Record<string, string | number | null>;

export interface Truth {
  /** What the vehicle is worth with its title (cents); null when the row is not a vehicle at all. */
  priceCents: number | null;
  mileage: number | null;
  cls: VehicleClass;
  titleStatus: 'clean' | 'rebuilt' | 'salvage' | 'unknown';
  /** Where the vehicle is, from the ZIP database (null when the listing carries no ZIP). */
  latitude: number | null;
  longitude: number | null;
}

export interface EvalListing {
  label: 'clean' | 'fault';
  /** The injected fault; null on clean rows. */
  kind: string | null;
  truth: Truth;
  /** A listing-feed row with the documented keys, exactly as an operator's JSON feed holds it. */
  row: FeedRow;
}

export interface EvalSet {
  version: 1;
  description: string;
  generator: Record<string, unknown>;
  referenceTime: string;
  dealer: { zip: string; state: string; latitude: number; longitude: number };
  listings: EvalListing[];
  /** Dealer sales export rows (VIN, Year, Make, Model, Trim, Sale Price, Sale Date, Mileage, State). */
  sales: FeedRow[];
  /** Market price rows (make, model, year, trim, avg, low, high, sample_size). */
  market: FeedRow[];
}
