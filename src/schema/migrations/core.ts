// The core tables (listings, opportunities, comps, imports, flags, settings, rollout state), defined
// once for both dialects. Each statement is the text the two per-dialect histories shipped with,
// with the dialect's words filled in: the rendered SQL is byte for byte what existing databases
// ran, so nothing about them changes (test/schema-snapshot.test.ts holds both schemas).
//
// Plain statements with the dialect's column words rather than Kysely's schema builder: the
// builder would spell the same schema differently (quoting, type names), and the runner applies
// statement lists, which keeps one migration one reviewable list of SQL.
import type { DialectWords } from '../../storage/index.js';

export function coreMigrations(t: DialectWords): Record<string, string[]> {
  return {
    '001_init': [
      `CREATE TABLE listings (
      id ${t.id},
      source TEXT NOT NULL,
      lot_id TEXT NOT NULL,
      title TEXT NOT NULL,
      year INTEGER NOT NULL,
      make TEXT NOT NULL,
      model TEXT NOT NULL,
      trim TEXT,
      vin TEXT,
      mileage INTEGER,
      current_bid_cents ${t.big} NOT NULL,
      auction_end_ms ${t.big} NOT NULL,
      city TEXT,
      state TEXT NOT NULL,
      zip TEXT,
      listing_url TEXT,
      title_status TEXT NOT NULL,
      description TEXT,
      buyer_premium_bp INTEGER,
      doc_fee_cents ${t.big},
      latitude ${t.real},
      longitude ${t.real},
      content_hash TEXT NOT NULL,
      origin TEXT NOT NULL,
      is_sample ${t.bool} NOT NULL DEFAULT ${t.false},
      is_active ${t.bool} NOT NULL DEFAULT ${t.true},
      created_at ${t.big} NOT NULL,
      updated_at ${t.big} NOT NULL,
      UNIQUE (source, lot_id)
    )`,
      `CREATE TABLE opportunities (
      id ${t.id},
      listing_id ${t.big} NOT NULL UNIQUE REFERENCES listings(id) ON DELETE CASCADE,
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
      auction_end_ms ${t.big} NOT NULL,
      current_bid_cents ${t.big} NOT NULL,
      buyer_premium_cents ${t.big} NOT NULL,
      doc_fee_cents ${t.big} NOT NULL,
      transport_cents ${t.big} NOT NULL,
      recon_cents ${t.big} NOT NULL,
      total_cost_cents ${t.big} NOT NULL,
      estimate_cents ${t.big} NOT NULL,
      value_low_cents ${t.big} NOT NULL,
      value_high_cents ${t.big} NOT NULL,
      valuation_method TEXT NOT NULL,
      sample_size INTEGER NOT NULL,
      profit_cents ${t.big} NOT NULL,
      roi_bp INTEGER NOT NULL,
      margin_bp INTEGER NOT NULL,
      confidence INTEGER NOT NULL,
      risk_score INTEGER NOT NULL,
      score INTEGER NOT NULL,
      status TEXT NOT NULL,
      anomalies_json TEXT NOT NULL DEFAULT '[]',
      assumptions_json TEXT NOT NULL DEFAULT '[]',
      is_sample ${t.bool} NOT NULL DEFAULT ${t.false},
      is_active ${t.bool} NOT NULL DEFAULT ${t.true},
      created_at ${t.big} NOT NULL,
      updated_at ${t.big} NOT NULL
    )`,
      // Keyset indexes: one per sort, partial on active rows, id as the tie-breaker.
      `CREATE INDEX opp_newest_idx ON opportunities (created_at DESC, id DESC) WHERE ${t.active}`,
      `CREATE INDEX opp_profit_idx ON opportunities (profit_cents DESC, id DESC) WHERE ${t.active}`,
      `CREATE INDEX opp_roi_idx ON opportunities (roi_bp DESC, id DESC) WHERE ${t.active}`,
      `CREATE INDEX opp_score_idx ON opportunities (score DESC, id DESC) WHERE ${t.active}`,
      `CREATE INDEX opp_ending_idx ON opportunities (auction_end_ms ASC, id ASC) WHERE ${t.active}`,
      `CREATE INDEX opp_state_idx ON opportunities (state, created_at DESC, id DESC) WHERE ${t.active}`,
      `CREATE INDEX opp_make_model_idx ON opportunities (make_key, model_key) WHERE ${t.active}`,
      `CREATE VIEW opportunities_legacy AS
      SELECT id, vin, year, make, model, state, source, lot_id,
             current_bid_cents / 100.0 AS current_bid,
             estimate_cents / 100.0 AS estimated_sale_price,
             profit_cents / 100.0 AS potential_profit,
             roi_bp / 100.0 AS roi_percentage,
             risk_score, confidence AS confidence_score, status,
             created_at, updated_at
        FROM opportunities WHERE ${t.active}`,
      `CREATE TABLE market_comps (
      id ${t.id},
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
      price_cents ${t.big},
      sale_date_ms ${t.big},
      state TEXT,
      avg_cents ${t.big},
      low_cents ${t.big},
      high_cents ${t.big},
      sample_size INTEGER NOT NULL DEFAULT 1,
      origin TEXT NOT NULL,
      is_sample ${t.bool} NOT NULL DEFAULT ${t.false},
      created_at ${t.big} NOT NULL
    )`,
      `CREATE INDEX comps_make_model_year_idx ON market_comps (make_key, model_key, year)`,
      `CREATE TABLE imports (
      id ${t.id},
      kind TEXT NOT NULL,
      origin TEXT NOT NULL,
      started_at ${t.big} NOT NULL,
      finished_at ${t.big},
      accepted INTEGER NOT NULL DEFAULT 0,
      rejected INTEGER NOT NULL DEFAULT 0,
      created INTEGER NOT NULL DEFAULT 0,
      updated INTEGER NOT NULL DEFAULT 0,
      unchanged INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL
    )`,
      `CREATE TABLE import_rejects (
      id ${t.id},
      import_id ${t.big} NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      origin TEXT NOT NULL,
      row_number INTEGER NOT NULL,
      source TEXT,
      lot_id TEXT,
      reason TEXT NOT NULL,
      raw_json TEXT NOT NULL,
      created_at ${t.big} NOT NULL
    )`,
      `CREATE INDEX import_rejects_import_idx ON import_rejects (import_id, row_number)`,
      `CREATE TABLE flag_overrides (
      name TEXT PRIMARY KEY,
      value_json TEXT NOT NULL,
      updated_at ${t.big} NOT NULL,
      updated_by TEXT NOT NULL,
      reason TEXT
    )`,
      `CREATE TABLE flag_audit (
      id ${t.id},
      at ${t.big} NOT NULL,
      actor TEXT NOT NULL,
      name TEXT NOT NULL,
      old_json TEXT,
      new_json TEXT,
      reason TEXT
    )`,
      `CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at ${t.big} NOT NULL
    )`,
    ],
    // Rollout controller: phase per environment, decisions, trigger latches, attestations, leases.
    rollout_001_state: [
      `CREATE TABLE rollout_state (
      environment TEXT PRIMARY KEY,
      phase INTEGER NOT NULL,
      updated_at ${t.big} NOT NULL,
      updated_by TEXT NOT NULL,
      reason TEXT
    )`,
      `CREATE TABLE rollout_decisions (
      id ${t.id},
      environment TEXT NOT NULL,
      at ${t.big} NOT NULL,
      kind TEXT NOT NULL,
      triggers_json TEXT NOT NULL DEFAULT '[]',
      from_phase INTEGER,
      to_phase INTEGER,
      actor TEXT NOT NULL,
      reason TEXT,
      dry_run ${t.bool} NOT NULL,
      evidence_json TEXT NOT NULL DEFAULT '{}',
      flags_before_json TEXT NOT NULL DEFAULT '{}',
      flags_after_json TEXT NOT NULL DEFAULT '{}'
    )`,
      `CREATE INDEX rollout_decisions_env_idx ON rollout_decisions (environment, at DESC)`,
      `CREATE TABLE rollout_latches (
      environment TEXT NOT NULL,
      trigger_id TEXT NOT NULL,
      decision_id ${t.big} NOT NULL,
      latched_at ${t.big} NOT NULL,
      PRIMARY KEY (environment, trigger_id)
    )`,
      `CREATE TABLE rollout_attestations (
      id ${t.id},
      environment TEXT NOT NULL,
      criterion TEXT NOT NULL,
      actor TEXT NOT NULL,
      at ${t.big} NOT NULL,
      evidence TEXT NOT NULL
    )`,
      `CREATE INDEX rollout_attestations_idx ON rollout_attestations (environment, criterion, at DESC)`,
      `CREATE TABLE rollout_leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires_at ${t.big} NOT NULL
    )`,
    ],
  };
}
