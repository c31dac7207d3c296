// Market comparables: loading them for valuation, grouped by make and model.
import type { Db } from '../storage/db.js';
import type { MarketCompRow } from '../storage/schema.js';
import type { Comp } from './types.js';
import { matchKey } from './list-query.js';

/** Comps grouped by `make|model` key; an import loads the index once, not per listing. */
export class CompIndex {
  private readonly byModel = new Map<string, Comp[]>();

  add(row: MarketCompRow): void {
    const key = `${row.make_key}|${row.model_key}`;
    let list = this.byModel.get(key);
    if (!list) this.byModel.set(key, (list = []));
    list.push(compFromRow(row));
  }

  /** Candidates for a listing; the engine narrows them to the model-year window. */
  for(make: string, model: string): Comp[] {
    return this.byModel.get(`${matchKey(make)}|${matchKey(model)}`) ?? [];
  }

  get size(): number {
    let n = 0;
    for (const l of this.byModel.values()) n += l.length;
    return n;
  }
}

function compFromRow(r: MarketCompRow): Comp {
  if (r.kind === 'market') {
    return {
      kind: 'market', make: r.make, model: r.model, year: r.year, trim: r.trim,
      avgCents: Number(r.avg_cents), lowCents: Number(r.low_cents), highCents: Number(r.high_cents), sampleSize: r.sample_size,
    };
  }
  return {
    kind: 'sale', make: r.make, model: r.model, year: r.year, trim: r.trim, mileage: r.mileage,
    priceCents: Number(r.price_cents), saleDate: new Date(Number(r.sale_date_ms)), state: r.state,
  };
}

export async function loadCompIndex(db: Db, makeModelKeys?: Set<string>): Promise<CompIndex> {
  const index = new CompIndex();
  let q = db.kysely.selectFrom('market_comps').selectAll();
  if (makeModelKeys) {
    const makes = [...new Set([...makeModelKeys].map((k) => k.split('|')[0] as string))];
    if (makes.length === 0) return index;
    q = q.where('make_key', 'in', makes);
  }
  for (const row of await q.execute()) {
    if (!makeModelKeys || makeModelKeys.has(`${row.make_key}|${row.model_key}`)) index.add(row);
  }
  return index;
}
