// Row types of the quality tables, joined into the shared Database interface (storage/schema.ts).
import type { Generated } from 'kysely';

export interface QualityQuarantineTable {
  id: Generated<number>;
  source: string;
  lot_id: string;
  origin: string;
  import_id: number | null;
  row_number: number | null;
  contract_version: string;
  reasons_json: string;
  record_json: string;
  status: string; // 'quarantined' | 'released'
  created_at: number;
  updated_at: number;
}

export interface QualityContractRunsTable {
  id: Generated<number>;
  import_id: number | null;
  source: string;
  contract_version: string;
  validated: number;
  passed: number;
  at: number;
}

export interface QualityAnomaliesTable {
  id: Generated<number>;
  listing_id: number | null;
  source: string;
  lot_id: string;
  kind: string;
  detail: string;
  status: string; // 'open' | 'false_positive' | 'confirmed' | 'resolved'
  detected_at: number;
  updated_at: number;
  marked_by: string | null;
}

export interface QualityAnomalyChecksTable {
  source: string;
  lot_id: string;
  checked_at: number;
}

export interface QualityProvenanceTable {
  listing_id: number;
  source: string;
  lot_id: string;
  origin: string;
  source_url: string;
  fetched_at: number;
  snapshot_hash: string;
  extractor_version: string;
  fields_json: string;
  engine_version: string;
  appraised_at: number;
  updated_at: number;
}

/** What NHTSA's vPIC data says each VIN is (quality_003_vin_decodes). */
export interface VinDecodesTable {
  vin: string;
  wmi: string;
  manufacturer: string | null;
  make: string | null;
  wmi_makes_json: string;
  model: string | null;
  model_year: number | null;
  series: string | null;
  trim: string | null;
  body_class: string | null;
  drive_type: string | null;
  engine: string | null;
  fuel_type: string | null;
  gvwr: string | null;
  vehicle_type: string | null;
  complete: number; // 1 when descriptor patterns matched, 0 when only the WMI was known
  decoder: string;
  decoded_at: number;
}

export interface QualityTables {
  vin_decodes: VinDecodesTable;
  quality_quarantine: QualityQuarantineTable;
  quality_contract_runs: QualityContractRunsTable;
  quality_anomalies: QualityAnomaliesTable;
  quality_anomaly_checks: QualityAnomalyChecksTable;
  quality_provenance: QualityProvenanceTable;
}

// This capability's tables are part of the shared Database type (see storage/schema.ts).
declare module '../../storage/schema.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members come from the heritage clause
  interface Database extends QualityTables {}
}
