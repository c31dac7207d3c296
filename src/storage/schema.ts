// Row types for the typed query layer. Timestamps are epoch milliseconds (bigint) in both
// dialects so keyset comparisons and arithmetic behave identically on SQLite and PostgreSQL.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** SQLite stores booleans as 0/1; PostgreSQL as boolean. Both read back through `toBool`. */
export type DbBool = number | boolean;

export interface ListingsTable {
  id: Generated<number>;
  source: string;
  lot_id: string;
  title: string;
  year: number;
  make: string;
  model: string;
  trim: string | null;
  vin: string | null;
  mileage: number | null;
  current_bid_cents: number;
  auction_end_ms: number;
  city: string | null;
  state: string;
  zip: string | null;
  listing_url: string | null;
  title_status: string;
  description: string | null;
  buyer_premium_bp: number | null;
  doc_fee_cents: number | null;
  latitude: number | null;
  longitude: number | null;
  /** Added by ingest_002_seller. */
  seller_name: string | null;
  content_hash: string;
  origin: string; // where the row came from: a file name, a source adapter, 'sample'
  is_sample: DbBool;
  is_active: DbBool;
  created_at: number;
  updated_at: number;
}

export interface OpportunitiesTable {
  id: Generated<number>;
  listing_id: number;
  source: string;
  lot_id: string;
  vin: string | null;
  year: number;
  make: string;
  model: string;
  make_key: string;
  model_key: string;
  trim: string | null;
  mileage: number | null;
  title_status: string;
  listing_url: string | null;
  city: string | null;
  state: string;
  zip: string | null;
  auction_end_ms: number;
  current_bid_cents: number;
  buyer_premium_cents: number;
  doc_fee_cents: number;
  transport_cents: number;
  recon_cents: number;
  total_cost_cents: number;
  estimate_cents: number;
  value_low_cents: number;
  value_high_cents: number;
  valuation_method: string;
  sample_size: number;
  profit_cents: number;
  roi_bp: number;
  margin_bp: number;
  confidence: number;
  risk_score: number;
  score: number;
  status: string;
  anomalies_json: string;
  assumptions_json: string;
  /** Road miles the transport cost is charged for (opportunities_004). */
  transport_miles: number;
  /** The comparables behind the estimate, as ComparableUsed[] (opportunities_004). */
  comparables_json: string;
  /** What the VIN decodes to, as the API's `vehicle` (opportunities_004). */
  vehicle_json: string | null;
  /** 0 unflagged, 1 with an open anomaly or data-quality flag: lists sort by it first (opportunities_005). */
  rank_tier: number;
  /** The configured dealer's bid ceiling (opportunities_006); null when a bid of 0 misses the targets. */
  bid_ceiling_cents: number | null;
  /**
   * The commit-ordered change number of the transaction that last wrote the row (opportunities_007,
   * from opportunity_change_counter): the dealer alert pass follows it instead of updated_at.
   */
  change_seq: Generated<number>;
  is_sample: DbBool;
  is_active: DbBool;
  created_at: number;
  updated_at: number;
}

export interface MarketCompsTable {
  id: Generated<number>;
  kind: string; // 'sale' | 'market'
  dedupe_key: string;
  vin: string | null;
  make: string;
  model: string;
  make_key: string;
  model_key: string;
  year: number;
  trim: string | null;
  mileage: number | null;
  price_cents: number | null;
  sale_date_ms: number | null;
  state: string | null;
  avg_cents: number | null;
  low_cents: number | null;
  high_cents: number | null;
  sample_size: number;
  origin: string;
  is_sample: DbBool;
  created_at: number;
}

export interface ImportsTable {
  id: Generated<number>;
  kind: string; // 'listings' | 'comps'
  origin: string;
  started_at: number;
  finished_at: number | null;
  accepted: number;
  rejected: number;
  created: number;
  updated: number;
  unchanged: number;
  status: string; // 'running' | 'done' | 'failed'
}

export interface ImportRejectsTable {
  id: Generated<number>;
  import_id: number;
  kind: string;
  origin: string;
  row_number: number;
  source: string | null;
  lot_id: string | null;
  reason: string;
  raw_json: string;
  created_at: number;
}

export interface FlagOverridesTable {
  name: string;
  value_json: string;
  updated_at: number;
  updated_by: string;
  reason: string | null;
}

export interface FlagAuditTable {
  id: Generated<number>;
  at: number;
  actor: string;
  name: string;
  old_json: string | null;
  new_json: string | null;
  reason: string | null;
}

export interface RolloutStateTable {
  environment: string;
  phase: number;
  updated_at: number;
  updated_by: string;
  reason: string | null;
}

export interface RolloutDecisionsTable {
  id: Generated<number>;
  environment: string;
  at: number;
  kind: string; // 'auto_rollback' | 'rollback' | 'advance' | 'rearm' | 'dry_run'
  triggers_json: string;
  from_phase: number | null;
  to_phase: number | null;
  actor: string;
  reason: string | null;
  dry_run: DbBool;
  evidence_json: string;
  flags_before_json: string;
  flags_after_json: string;
}

export interface RolloutLatchesTable {
  environment: string;
  trigger_id: string;
  decision_id: number;
  latched_at: number;
}

export interface RolloutAttestationsTable {
  id: Generated<number>;
  environment: string;
  criterion: string;
  actor: string;
  at: number;
  evidence: string;
}

export interface RolloutLeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

/**
 * Every table of the shared query layer. Capabilities that own tables typed here add them by
 * augmenting this interface from their own tables.ts (ingest, quality, security), so storage
 * never imports a capability. Newer capabilities use `db.kysely.withTables<T>()` instead.
 */
/** One row (id 1): the last change number handed out; updating it serialises committing writers. */
export interface OpportunityChangeCounterTable {
  id: number;
  value: number;
}

export interface Database {
  listings: ListingsTable;
  opportunity_change_counter: OpportunityChangeCounterTable;
  opportunities: OpportunitiesTable;
  market_comps: MarketCompsTable;
  imports: ImportsTable;
  import_rejects: ImportRejectsTable;
  flag_overrides: FlagOverridesTable;
  flag_audit: FlagAuditTable;
  settings: SettingsTable;
  rollout_state: RolloutStateTable;
  rollout_decisions: RolloutDecisionsTable;
  rollout_latches: RolloutLatchesTable;
  rollout_attestations: RolloutAttestationsTable;
  rollout_leases: RolloutLeasesTable;
}

export type ListingRow = Selectable<ListingsTable>;
export type NewListing = Insertable<ListingsTable>;
export type OpportunityRow = Selectable<OpportunitiesTable>;
export type NewOpportunity = Insertable<OpportunitiesTable>;
export type OpportunityUpdate = Updateable<OpportunitiesTable>;
export type MarketCompRow = Selectable<MarketCompsTable>;

export const toBool = (v: DbBool): boolean => v === true || v === 1;
