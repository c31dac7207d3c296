// Tables of the data-quality capability, written once and rendered with the dialect's column
// words, registered as the `quality_001_tables` entry of the migration history. Timestamps are
// epoch ms.
import type { DialectWords } from '../../storage/index.js';

/** Shared column lists; only id, boolean-free here, and integer widths differ by dialect. */
export function qualityMigration({ id, big }: DialectWords): string[] {
  return [
    // Records that broke the listing contract, with every reason; a later passing copy releases them.
    `CREATE TABLE quality_quarantine (
      id ${id},
      source TEXT NOT NULL,
      lot_id TEXT NOT NULL,
      origin TEXT NOT NULL,
      import_id ${big},
      row_number INTEGER,
      contract_version TEXT NOT NULL,
      reasons_json TEXT NOT NULL,
      record_json TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at ${big} NOT NULL,
      updated_at ${big} NOT NULL,
      UNIQUE (source, lot_id)
    )`,
    `CREATE INDEX quality_quarantine_status_idx ON quality_quarantine (status, updated_at DESC, id DESC)`,
    // One row per source per validated import: the compliance ratio is a sum over a window.
    `CREATE TABLE quality_contract_runs (
      id ${id},
      import_id ${big},
      source TEXT NOT NULL,
      contract_version TEXT NOT NULL,
      validated INTEGER NOT NULL,
      passed INTEGER NOT NULL,
      at ${big} NOT NULL
    )`,
    `CREATE INDEX quality_contract_runs_at_idx ON quality_contract_runs (at)`,
    `CREATE TABLE quality_anomalies (
      id ${id},
      listing_id ${big},
      source TEXT NOT NULL,
      lot_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      detail TEXT NOT NULL,
      status TEXT NOT NULL,
      detected_at ${big} NOT NULL,
      updated_at ${big} NOT NULL,
      marked_by TEXT,
      UNIQUE (source, lot_id, kind)
    )`,
    `CREATE INDEX quality_anomalies_status_idx ON quality_anomalies (status, id)`,
    // Which listings the detector has examined, so clean ones count as true negatives.
    `CREATE TABLE quality_anomaly_checks (
      source TEXT NOT NULL,
      lot_id TEXT NOT NULL,
      checked_at ${big} NOT NULL,
      PRIMARY KEY (source, lot_id)
    )`,
    // Where each field of a stored listing came from, and which appraisal derived the rest.
    `CREATE TABLE quality_provenance (
      listing_id ${big} PRIMARY KEY REFERENCES listings(id) ON DELETE CASCADE,
      source TEXT NOT NULL,
      lot_id TEXT NOT NULL,
      origin TEXT NOT NULL,
      source_url TEXT NOT NULL,
      fetched_at ${big} NOT NULL,
      snapshot_hash TEXT NOT NULL,
      extractor_version TEXT NOT NULL,
      fields_json TEXT NOT NULL,
      engine_version TEXT NOT NULL,
      appraised_at ${big} NOT NULL,
      updated_at ${big} NOT NULL
    )`,
  ];
}

/**
 * The quality monitor samples the most recently updated active listings and opportunities every
 * 30 s, in slices keyed by (updated_at, id). Without these each sample was a full scan and a sort
 * of the table: on 100 k rows about 150 ms per table, and on SQLite that time blocked every
 * request of the process.
 */
export function qualitySampleIndexes(activePredicate: string): string[] {
  return [
    `CREATE INDEX listings_recent_idx ON listings (updated_at DESC, id DESC) WHERE ${activePredicate}`,
    `CREATE INDEX opp_recent_idx ON opportunities (updated_at DESC, id DESC) WHERE ${activePredicate}`,
  ];
}

/**
 * The two lookups an import makes of what is already stored, by VIN and by lot: the stored
 * listings that share a VIN with the file (anomaly detection's duplicate-VIN peers) and the flags
 * already raised on the file's lots. Without these each 300-key chunk was a full scan: importing
 * 20,000 listings into a store of 120 k spent 2.6 s in 57 scans of listings on SQLite, and the flags'
 * scans grow the same way as a store's flags accumulate (resolved flags are never deleted).
 */
export function importLookupIndexes(): string[] {
  return [`CREATE INDEX listings_vin_idx ON listings (vin)`, `CREATE INDEX quality_anomalies_lot_idx ON quality_anomalies (lot_id)`];
}

/** A VIN's pattern in SQL: `patternKey` in vin-decoding/decoder.ts, as the index computes it. */
export const VIN_PATTERN_SQL = 'substr(vin, 1, 8) || substr(vin, 10, 2)';

/**
 * Stored decodes by VIN pattern (positions 1–8, 10 and 11, what a decode depends on) and decoder
 * release. A process's pattern cache starts empty, so a dealer's daily import of new VINs from
 * the same fleets sent every pattern to vPIC again (138 pattern queries, about 0.4 s, for the
 * benchmark's file); a pattern the store has seen is now answered from it. `decodeAndStore` asks
 * with this same expression, which both databases need to match the index.
 */
export function vinPatternIndex(): string[] {
  return [`CREATE INDEX vin_decodes_pattern_idx ON vin_decodes ((${VIN_PATTERN_SQL}), decoder, vin)`];
}

/** Decoded VINs: a row per VIN of dealer sales, and for listings one per VIN pattern (decode-store.ts). */
export function vinDecodesMigration(big: string): string[] {
  return [
    `CREATE TABLE vin_decodes (
      vin TEXT PRIMARY KEY,
      wmi TEXT NOT NULL,
      manufacturer TEXT,
      make TEXT,
      wmi_makes_json TEXT NOT NULL,
      model TEXT,
      model_year INTEGER,
      series TEXT,
      trim TEXT,
      body_class TEXT,
      drive_type TEXT,
      engine TEXT,
      fuel_type TEXT,
      gvwr TEXT,
      vehicle_type TEXT,
      complete INTEGER NOT NULL,
      decoder TEXT NOT NULL,
      decoded_at ${big} NOT NULL
    )`,
  ];
}
