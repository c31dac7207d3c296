// Market comparables: loading them for valuation, grouped by model family (so "Police Interceptor
// Utility" listings find "Explorer" sales), each sale with its service class from its trim, model
// or decoded VIN.
import { sql } from 'kysely';
import type { Db, MarketCompRow } from '../storage/index.js';
import { familyOf, makeSpellings, vehicleClass } from './engine/cohort.js';
import type { Comp } from './types.js';

/** Comps grouped by family key (`make|family`); an import loads the index once, not per listing. */
export class CompIndex {
  private readonly byFamily = new Map<string, Comp[]>();

  constructor(private readonly aliases: Readonly<Record<string, string>> = {}) {}

  add(row: MarketCompRow & { decoded_trim?: string | null; decoded_series?: string | null }): void {
    const key = familyOf(row.make, row.model, this.aliases).key;
    let list = this.byFamily.get(key);
    if (!list) this.byFamily.set(key, (list = []));
    list.push(compFromRow(row));
  }

  /** Candidates for a listing (any model year); the engine narrows them. */
  for(make: string, model: string): Comp[] {
    return this.byFamily.get(familyOf(make, model, this.aliases).key) ?? [];
  }

  get size(): number {
    let n = 0;
    for (const l of this.byFamily.values()) n += l.length;
    return n;
  }
}

function compFromRow(r: MarketCompRow & { decoded_trim?: string | null; decoded_series?: string | null }): Comp {
  if (r.kind === 'market') {
    return {
      kind: 'market',
      id: Number(r.id),
      make: r.make,
      model: r.model,
      year: r.year,
      trim: r.trim,
      avgCents: Number(r.avg_cents),
      lowCents: Number(r.low_cents),
      highCents: Number(r.high_cents),
      sampleSize: r.sample_size,
    };
  }
  const decoded =
    r.decoded_trim !== undefined || r.decoded_series !== undefined
      ? {
          make: null,
          model: null,
          series: r.decoded_series ?? null,
          trim: r.decoded_trim ?? null,
          bodyClass: null,
          driveType: null,
          engine: null,
          fuelType: null,
          gvwr: null,
          vehicleType: null,
          decoder: '',
        }
      : null;
  return {
    kind: 'sale',
    id: Number(r.id),
    vin: r.vin,
    make: r.make,
    model: r.model,
    year: r.year,
    trim: r.trim,
    mileage: r.mileage,
    priceCents: Number(r.price_cents),
    saleDate: new Date(Number(r.sale_date_ms)),
    state: r.state,
    vehicleClass: vehicleClass({ model: r.model, trim: r.trim, vehicle: decoded }),
  };
}

/**
 * The comps of the given listings' makes (every stored spelling of them: "Chevy" sales serve a
 * Chevrolet listing), or all comps without `makes`. Sales carry their decoded VIN's trim and series.
 */
export async function loadCompIndex(db: Db, makes?: Iterable<string>, aliases: Readonly<Record<string, string>> = {}): Promise<CompIndex> {
  const index = new CompIndex(aliases);
  let q = db.kysely
    .selectFrom('market_comps')
    .leftJoin('vin_decodes', 'vin_decodes.vin', 'market_comps.vin')
    .selectAll('market_comps')
    .select([sql<string | null>`vin_decodes.trim`.as('decoded_trim'), sql<string | null>`vin_decodes.series`.as('decoded_series')]);
  if (makes) {
    const spellings = [...new Set([...makes].flatMap(makeSpellings))];
    if (spellings.length === 0) return index;
    q = q.where('market_comps.make_key', 'in', spellings);
  }
  for (const row of await q.execute()) index.add(row as MarketCompRow & { decoded_trim: string | null; decoded_series: string | null });
  return index;
}
