// The dealer workspace's tables, written once and rendered with the dialect's column words
// (registered in schema/migrations/history.ts as `dealers_001_workspace`). Timestamps are epoch ms.
import type { DialectWords } from '../storage/index.js';

export function dealersMigration({ id, big }: DialectWords): string[] {
  return [
    `CREATE TABLE dealers (
      id ${id},
      name TEXT NOT NULL,
      zip TEXT NOT NULL,
      state TEXT NOT NULL,
      target_profit_cents ${big} NOT NULL,
      target_roi_bp INTEGER NOT NULL,
      max_miles INTEGER,
      recon_cents ${big},
      email TEXT,
      key_id TEXT NOT NULL UNIQUE,
      version INTEGER NOT NULL DEFAULT 1,
      created_at ${big} NOT NULL,
      updated_at ${big} NOT NULL,
      revoked_at ${big}
    )`,
    `CREATE TABLE dealer_searches (
      id ${id},
      dealer_id ${big} NOT NULL REFERENCES dealers(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      filters_json TEXT NOT NULL,
      channels_json TEXT NOT NULL,
      webhook_url TEXT,
      min_interval_minutes INTEGER NOT NULL,
      last_alert_at ${big},
      created_at ${big} NOT NULL
    )`,
    `CREATE INDEX dealer_searches_dealer_idx ON dealer_searches (dealer_id)`,
    `CREATE TABLE dealer_search_hits (
      search_id ${big} NOT NULL REFERENCES dealer_searches(id) ON DELETE CASCADE,
      opportunity_id ${big} NOT NULL,
      bid_cents ${big} NOT NULL,
      alerted_at ${big},
      found_at ${big} NOT NULL,
      PRIMARY KEY (search_id, opportunity_id)
    )`,
    `CREATE TABLE dealer_watchlist (
      dealer_id ${big} NOT NULL REFERENCES dealers(id) ON DELETE CASCADE,
      opportunity_id ${big} NOT NULL,
      last_bid_cents ${big} NOT NULL,
      past_ceiling INTEGER NOT NULL DEFAULT 0,
      ending_alerted INTEGER NOT NULL DEFAULT 0,
      created_at ${big} NOT NULL,
      PRIMARY KEY (dealer_id, opportunity_id)
    )`,
    `CREATE TABLE dealer_alerts (
      id ${id},
      dealer_id ${big} NOT NULL REFERENCES dealers(id) ON DELETE CASCADE,
      search_id ${big},
      opportunity_id ${big},
      kind TEXT NOT NULL,
      text TEXT NOT NULL,
      deliveries_json TEXT NOT NULL,
      created_at ${big} NOT NULL
    )`,
    `CREATE INDEX dealer_alerts_dealer_idx ON dealer_alerts (dealer_id, id)`,
  ];
}
