// SQLite migration history. Each entry is applied once, in order, and recorded by Kysely's
// Migrator in `kysely_migration`; statements are listed one by one because better-sqlite3
// prepares a single statement at a time.
import { ingestSqliteMigrations } from '../../ingest/storage/migrations.js';
import { qualitySqliteMigration, qualitySampleIndexes, vinDecodesMigration } from '../../quality/storage/migrations.js';

import { securitySqliteMigration } from '../../security/migrations.js';
import { filterSortIndexes, makeStateSortIndexes } from './filter-sort-indexes.js';
import { bidCeilingMigration, honestRankingMigration, valuationBasisMigration } from '../../opportunities/migrations.js';
import { evidenceSqliteMigration } from '../../evidence/migrations.js';
import { incidentsSqliteMigration } from '../../incidents/migrations.js';
import { dealersSqliteMigration } from '../../dealers/migrations.js';
import { notificationsSqliteMigration } from '../../notifications/migrations.js';

export const sqliteMigrations: Record<string, string[]> = {
  'security_001_keys_sessions': securitySqliteMigration,
  '001_init': [
    `CREATE TABLE listings (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      source TEXT NOT NULL,
      lot_id TEXT NOT NULL,
      title TEXT NOT NULL,
      year INTEGER NOT NULL,
      make TEXT NOT NULL,
      model TEXT NOT NULL,
      trim TEXT,
      vin TEXT,
      mileage INTEGER,
      current_bid_cents INTEGER NOT NULL,
      auction_end_ms INTEGER NOT NULL,
      city TEXT,
      state TEXT NOT NULL,
      zip TEXT,
      listing_url TEXT,
      title_status TEXT NOT NULL,
      description TEXT,
      buyer_premium_bp INTEGER,
      doc_fee_cents INTEGER,
      latitude REAL,
      longitude REAL,
      content_hash TEXT NOT NULL,
      origin TEXT NOT NULL,
      is_sample INTEGER NOT NULL DEFAULT 0,
      is_active INTEGER NOT NULL DEFAULT 1,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      UNIQUE (source, lot_id)
    )`,
    `CREATE TABLE opportunities (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      listing_id INTEGER NOT NULL UNIQUE REFERENCES listings(id) ON DELETE CASCADE,
      source TEXT NOT NULL,
      lot_id TEXT NOT NULL,
      vin TEXT,
      year INTEGER NOT NULL,
      make TEXT NOT NULL,
      model TEXT NOT NULL,
      make_key TEXT NOT NULL,
      model_key TEXT NOT NULL,
      trim TEXT,
      mileage INTEGER,
      title_status TEXT NOT NULL,
      listing_url TEXT,
      city TEXT,
      state TEXT NOT NULL,
      zip TEXT,
      auction_end_ms INTEGER NOT NULL,
      current_bid_cents INTEGER NOT NULL,
      buyer_premium_cents INTEGER NOT NULL,
      doc_fee_cents INTEGER NOT NULL,
      transport_cents INTEGER NOT NULL,
      recon_cents INTEGER NOT NULL,
      total_cost_cents INTEGER NOT NULL,
      estimate_cents INTEGER NOT NULL,
      value_low_cents INTEGER NOT NULL,
      value_high_cents INTEGER NOT NULL,
      valuation_method TEXT NOT NULL,
      sample_size INTEGER NOT NULL,
      profit_cents INTEGER NOT NULL,
      roi_bp INTEGER NOT NULL,
      margin_bp INTEGER NOT NULL,
      confidence INTEGER NOT NULL,
      risk_score INTEGER NOT NULL,
      score INTEGER NOT NULL,
      status TEXT NOT NULL,
      anomalies_json TEXT NOT NULL DEFAULT '[]',
      assumptions_json TEXT NOT NULL DEFAULT '[]',
      is_sample INTEGER NOT NULL DEFAULT 0,
      is_active INTEGER NOT NULL DEFAULT 1,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    // Keyset indexes: one per sort, partial on active rows, id as the tie-breaker.
    `CREATE INDEX opp_newest_idx ON opportunities (created_at DESC, id DESC) WHERE is_active = 1`,
    `CREATE INDEX opp_profit_idx ON opportunities (profit_cents DESC, id DESC) WHERE is_active = 1`,
    `CREATE INDEX opp_roi_idx ON opportunities (roi_bp DESC, id DESC) WHERE is_active = 1`,
    `CREATE INDEX opp_score_idx ON opportunities (score DESC, id DESC) WHERE is_active = 1`,
    `CREATE INDEX opp_ending_idx ON opportunities (auction_end_ms ASC, id ASC) WHERE is_active = 1`,
    `CREATE INDEX opp_state_idx ON opportunities (state, created_at DESC, id DESC) WHERE is_active = 1`,
    `CREATE INDEX opp_make_model_idx ON opportunities (make_key, model_key) WHERE is_active = 1`,
    `CREATE VIEW opportunities_legacy AS
      SELECT id, vin, year, make, model, state, source, lot_id,
             current_bid_cents / 100.0 AS current_bid,
             estimate_cents / 100.0 AS estimated_sale_price,
             profit_cents / 100.0 AS potential_profit,
             roi_bp / 100.0 AS roi_percentage,
             risk_score, confidence AS confidence_score, status,
             created_at, updated_at
        FROM opportunities WHERE is_active = 1`,
    `CREATE TABLE market_comps (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      dedupe_key TEXT NOT NULL UNIQUE,
      vin TEXT,
      make TEXT NOT NULL,
      model TEXT NOT NULL,
      make_key TEXT NOT NULL,
      model_key TEXT NOT NULL,
      year INTEGER NOT NULL,
      trim TEXT,
      mileage INTEGER,
      price_cents INTEGER,
      sale_date_ms INTEGER,
      state TEXT,
      avg_cents INTEGER,
      low_cents INTEGER,
      high_cents INTEGER,
      sample_size INTEGER NOT NULL DEFAULT 1,
      origin TEXT NOT NULL,
      is_sample INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL
    )`,
    `CREATE INDEX comps_make_model_year_idx ON market_comps (make_key, model_key, year)`,
    `CREATE TABLE imports (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      origin TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      accepted INTEGER NOT NULL DEFAULT 0,
      rejected INTEGER NOT NULL DEFAULT 0,
      created INTEGER NOT NULL DEFAULT 0,
      updated INTEGER NOT NULL DEFAULT 0,
      unchanged INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL
    )`,
    `CREATE TABLE import_rejects (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      origin TEXT NOT NULL,
      row_number INTEGER NOT NULL,
      source TEXT,
      lot_id TEXT,
      reason TEXT NOT NULL,
      raw_json TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`,
    `CREATE INDEX import_rejects_import_idx ON import_rejects (import_id, row_number)`,
    `CREATE TABLE flag_overrides (
      name TEXT PRIMARY KEY,
      value_json TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      updated_by TEXT NOT NULL,
      reason TEXT
    )`,
    `CREATE TABLE flag_audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      actor TEXT NOT NULL,
      name TEXT NOT NULL,
      old_json TEXT,
      new_json TEXT,
      reason TEXT
    )`,
    `CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
  ],
  // Rollout controller: phase per environment, decisions, trigger latches, attestations, leases.
  'rollout_001_state': [
    `CREATE TABLE rollout_state (
      environment TEXT PRIMARY KEY,
      phase INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      updated_by TEXT NOT NULL,
      reason TEXT
    )`,
    `CREATE TABLE rollout_decisions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      environment TEXT NOT NULL,
      at INTEGER NOT NULL,
      kind TEXT NOT NULL,
      triggers_json TEXT NOT NULL DEFAULT '[]',
      from_phase INTEGER,
      to_phase INTEGER,
      actor TEXT NOT NULL,
      reason TEXT,
      dry_run INTEGER NOT NULL,
      evidence_json TEXT NOT NULL DEFAULT '{}',
      flags_before_json TEXT NOT NULL DEFAULT '{}',
      flags_after_json TEXT NOT NULL DEFAULT '{}'
    )`,
    `CREATE INDEX rollout_decisions_env_idx ON rollout_decisions (environment, at DESC)`,
    `CREATE TABLE rollout_latches (
      environment TEXT NOT NULL,
      trigger_id TEXT NOT NULL,
      decision_id INTEGER NOT NULL,
      latched_at INTEGER NOT NULL,
      PRIMARY KEY (environment, trigger_id)
    )`,
    `CREATE TABLE rollout_attestations (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      environment TEXT NOT NULL,
      criterion TEXT NOT NULL,
      actor TEXT NOT NULL,
      at INTEGER NOT NULL,
      evidence TEXT NOT NULL
    )`,
    `CREATE INDEX rollout_attestations_idx ON rollout_attestations (environment, criterion, at DESC)`,
    `CREATE TABLE rollout_leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
  ],
  '002_filter_sort_indexes': filterSortIndexes('is_active = 1'),
  '003_make_state_sort_indexes': makeStateSortIndexes('is_active = 1'),
  'quality_001_tables': qualitySqliteMigration,
  ...ingestSqliteMigrations,
  'quality_002_sample_indexes': qualitySampleIndexes('is_active = 1'),
  'quality_003_vin_decodes': vinDecodesMigration('INTEGER'),
  'opportunities_004_valuation_basis': valuationBasisMigration(),
  'opportunities_005_honest_ranking': honestRankingMigration('is_active = 1'),
  'notifications_001_outbox': notificationsSqliteMigration,
  'incidents_001_tables': incidentsSqliteMigration,
  'evidence_001_index': evidenceSqliteMigration,
  'opportunities_006_bid_ceiling': bidCeilingMigration(),
  'dealers_001_workspace': dealersSqliteMigration,
};
