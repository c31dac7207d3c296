// Decoded VINs kept in the database: an appraisal rerun (reappraisal, comps import) reads them
// back instead of decoding again, and provenance names the decoder release that produced them.
import { sql } from 'kysely';
import { bulkUpsert, inList, type Db, type UpsertShape } from '../../storage/index.js';
import { VIN_PATTERN_SQL } from '../storage/migrations.js';
import type { VinDecodesTable } from '../storage/tables.js';
import { patternKey, sharedVinDecoder, type VinDecode, type VinDecoder } from './decoder.js';
import { byCodeUnit } from '../../common/compare.js';

const CHUNK = 300;
/** A VIN decoded again (a newer decoder release) replaces its earlier decode whole. */
const VIN_DECODES_UPSERT: UpsertShape = { table: 'vin_decodes', conflict: ['vin'] };

function toRow(d: VinDecode, now: number): VinDecodesTable {
  return {
    vin: d.vin,
    wmi: d.wmi,
    manufacturer: d.manufacturer,
    make: d.make,
    wmi_makes_json: JSON.stringify(d.wmiMakes),
    model: d.model,
    model_year: d.modelYear,
    series: d.series,
    trim: d.trim,
    body_class: d.bodyClass,
    drive_type: d.driveType,
    engine: d.engine,
    fuel_type: d.fuelType,
    gvwr: d.gvwr,
    vehicle_type: d.vehicleType,
    complete: d.complete ? 1 : 0,
    decoder: d.decoder,
    decoded_at: now,
  };
}

function fromRow(r: VinDecodesTable): VinDecode {
  return {
    vin: r.vin,
    wmi: r.wmi,
    manufacturer: r.manufacturer,
    make: r.make,
    wmiMakes: JSON.parse(r.wmi_makes_json) as string[],
    model: r.model,
    modelYear: r.model_year,
    series: r.series,
    trim: r.trim,
    bodyClass: r.body_class,
    driveType: r.drive_type,
    engine: r.engine,
    fuelType: r.fuel_type,
    gvwr: r.gvwr,
    vehicleType: r.vehicle_type,
    complete: Number(r.complete) === 1,
    decoder: r.decoder,
  };
}

/**
 * Each VIN's stored decode: its own row, or for a VIN without one, a decode stored for its
 * pattern (a decode depends on the pattern alone), given under the VIN asked for. An import
 * stores one decode per pattern (decodeAndStore), so most VINs of a fleet have no row of their
 * own. Of a pattern's decodes, `release`'s when there is one, else the latest decoded.
 */
export async function loadVinDecodes(db: Db, vins: Iterable<string | null | undefined>, release?: string): Promise<Map<string, VinDecode>> {
  return (await storedDecodes(db, vins, release)).decodes;
}

/** loadVinDecodes, and which of the VINs have a row of their own. */
async function storedDecodes(
  db: Db,
  vins: Iterable<string | null | undefined>,
  release?: string,
): Promise<{ decodes: Map<string, VinDecode>; ownRows: Set<string> }> {
  const wanted = [...new Set([...vins].filter((v): v is string => typeof v === 'string' && v.length === 17).map((v) => v.toUpperCase()))];
  const decodes = new Map<string, VinDecode>();
  for (let i = 0; i < wanted.length; i += CHUNK) {
    const rows = await db.kysely
      .selectFrom('vin_decodes')
      .selectAll()
      .where('vin', 'in', inList(wanted.slice(i, i + CHUNK)))
      .execute();
    for (const r of rows) decodes.set(r.vin, fromRow(r));
  }
  const ownRows = new Set(decodes.keys());
  const rest = wanted.filter((v) => !ownRows.has(v));
  if (rest.length) {
    const byPattern = await latestPatternDecodes(db, rest, release);
    for (const vin of rest) {
      const d = byPattern.get(patternKey(vin));
      if (d) decodes.set(vin, { ...d, vin });
    }
  }
  return { decodes, ownRows };
}

type Ranked = { decoder: string; vin: string; at: number };

/** `release`'s decode first, then the latest decoded, then the lowest VIN (so the choice is stable). */
function outranks(a: Ranked, b: Ranked, release?: string): boolean {
  if ((a.decoder === release) !== (b.decoder === release)) return a.decoder === release;
  if (a.at !== b.at) return a.at > b.at;
  return a.vin < b.vin;
}

/** For each of these VINs' patterns with a stored decode: `release`'s, else the latest decoded. */
async function latestPatternDecodes(db: Db, vins: readonly string[], release?: string): Promise<Map<string, VinDecode>> {
  const patterns = [...new Set(vins.map(patternKey))];
  const out = new Map<string, { d: VinDecode; at: number }>();
  for (let i = 0; i < patterns.length; i += CHUNK) {
    const rows = await patternDecodesQuery(db, patterns.slice(i, i + CHUNK)).execute();
    for (const r of rows) {
      const key = patternKey(r.vin);
      const at = Number(r.decoded_at);
      const had = out.get(key);
      if (
        had === undefined ||
        outranks({ decoder: r.decoder, vin: r.vin, at }, { decoder: had.d.decoder, vin: had.d.vin, at: had.at }, release)
      )
        out.set(key, { d: fromRow(r), at });
    }
  }
  return new Map([...out].map(([k, v]) => [k, v.d]));
}

/**
 * One stored decode by `release` for each of these VINs' patterns that has one: a decode depends
 * on the pattern alone, so it answers every VIN of the pattern. Asked through the pattern index
 * (quality_005_vin_pattern_index), whose expression the query repeats word for word.
 */
export async function loadPatternDecodes(db: Db, vins: Iterable<string>, release: string): Promise<VinDecode[]> {
  const patterns = [...new Set([...vins].map((v) => patternKey(v.toUpperCase())))];
  const out: VinDecode[] = [];
  for (let i = 0; i < patterns.length; i += CHUNK) {
    const rows = await patternDecodesQuery(db, patterns.slice(i, i + CHUNK), release).execute();
    for (const r of rows) out.push(fromRow(r));
  }
  return out;
}

/**
 * The stored decode with the lowest VIN of each pattern, by `release`, or without one, of each
 * pattern and release (the query plan tests read it).
 */
export function patternDecodesQuery(db: Db, patterns: string[], release?: string) {
  const pattern = sql.raw(VIN_PATTERN_SQL);
  return db.kysely
    .selectFrom('vin_decodes')
    .selectAll()
    .where('vin', 'in', (qb) => {
      const lowest = qb
        .selectFrom('vin_decodes')
        .select((eb) => eb.fn.min<string>('vin').as('vin'))
        .where(sql<string>`${pattern}`, 'in', patterns);
      return release === undefined
        ? lowest.groupBy([sql`${pattern}`, 'decoder'])
        : lowest.where('decoder', '=', release).groupBy(sql`${pattern}`);
    });
}

// Written in VIN order. PostgreSQL locks an upsert's rows in the order the statement gives them,
// so two imports storing the same new VINs in their files' orders deadlocked (one of them failed
// with "deadlock detected"); in one order they queue. On SQLite the order walks the VIN index
// once: the benchmark import's decodes took 189–197 ms to store against 255–262 ms.
async function saveVinDecodes(db: Db, decodes: Iterable<VinDecode>, now: number): Promise<void> {
  const rows = [...decodes].map((d) => toRow(d, now)).sort((a, b) => byCodeUnit(a.vin, b.vin));
  for (let i = 0; i < rows.length; i += CHUNK) await bulkUpsert(db.kysely, db, VIN_DECODES_UPSERT, rows.slice(i, i + CHUNK));
}

export interface DecodeOptions {
  now: number;
  /** The decoder to use; the process's shared one by default (tests inject their own). */
  decoder?: VinDecoder | null;
  /**
   * Every one of these VINs' patterns was decoded and stored by this decoder release moments ago
   * (a streamed import's second read of a file its first read decoded): the decoder answers them
   * from its pattern cache, and the store is neither read nor written again.
   */
  alreadyStored?: boolean;
  /**
   * Store a decode for every VIN decoded, not one per pattern: dealer sales are joined to their
   * own VIN's decode (comps-store.ts).
   */
  everyVin?: boolean;
}

/**
 * Decodes the VINs not decoded yet by this decoder release, stores them, and answers every VIN's
 * decode. Without the vPIC data nothing is decoded and the answer is what was stored before.
 *
 * A decode depends on the VIN's pattern alone, so a listing import stores one per pattern the
 * store has no decode of by this release, and the VINs that already have a row of their own (kept
 * current). A day's file of other units of the same fleets then stores a few hundred rows, not one
 * per VIN: loadVinDecodes answers the rest from their pattern's.
 */
export async function decodeAndStore(
  db: Db,
  vins: Iterable<string | null | undefined>,
  opts: DecodeOptions,
): Promise<Map<string, VinDecode>> {
  const list = [...vins].filter((v): v is string => typeof v === 'string' && v.length === 17).map((v) => v.toUpperCase());
  const decoder = opts.decoder === undefined ? await sharedVinDecoder() : opts.decoder;
  // The same release decodes a VIN the same way every time, so its answer is what was stored.
  if (decoder && opts.alreadyStored) return decoder.decodeMany(list);
  const { decodes: known, ownRows } = await storedDecodes(db, list, decoder?.release);
  if (!decoder) return known;
  // The second read of a streamed file decodes from the pattern cache (alreadyStored above); the
  // decodes found stored go in it too, or a re-imported file had every pattern decoded anew there.
  for (const d of known.values()) decoder.remember(d);
  const stored = new Set<string>();
  for (const d of known.values()) if (d.decoder === decoder.release) stored.add(patternKey(d.vin));
  // With everyVin, a VIN answered only by its pattern's decode still needs its own row.
  const current = (v: string) => known.get(v)?.decoder === decoder.release && (!opts.everyVin || ownRows.has(v));
  const missing = [...new Set(list)].filter((v) => !current(v));
  if (missing.length === 0) return known;
  // A VIN with an older release's row of its own may have a pattern this release has decoded
  // (the others were answered by their pattern's decode above, this release's first).
  const unseen = missing.filter((v) => ownRows.has(v) && !stored.has(patternKey(v)));
  if (unseen.length)
    for (const d of await loadPatternDecodes(db, unseen, decoder.release)) {
      decoder.remember(d);
      stored.add(patternKey(d.vin));
    }
  const fresh = await decoder.decodeMany(missing);
  const rows: VinDecode[] = [];
  for (const d of fresh.values()) {
    const key = patternKey(d.vin);
    if (opts.everyVin || ownRows.has(d.vin) || !stored.has(key)) rows.push(d);
    stored.add(key);
  }
  await saveVinDecodes(db, rows, opts.now);
  for (const [vin, d] of fresh) known.set(vin, d);
  return known;
}
