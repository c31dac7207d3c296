// Row types of the dealer workspace's tables, for `db.kysely.withTables<DealerTables>()`.
import type { Generated } from 'kysely';

export interface DealersTable {
  id: Generated<number>;
  name: string;
  zip: string;
  state: string;
  target_profit_cents: number;
  target_roi_bp: number;
  max_miles: number | null;
  recon_cents: number | null;
  email: string | null;
  /** The dealer's API key in `api_keys` (only its hash is stored there). */
  key_id: string;
  /** Bumped on every profile change; personal numbers are cached under it. */
  version: number;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
}

export interface DealerSearchesTable {
  id: Generated<number>;
  dealer_id: number;
  name: string;
  filters_json: string;
  channels_json: string;
  webhook_url: string | null;
  min_interval_minutes: number;
  last_alert_at: number | null;
  created_at: number;
}

/** Matches found for a search: pending until an alert lists them, then kept so a repeat is not news. */
export interface DealerSearchHitsTable {
  search_id: number;
  opportunity_id: number;
  bid_cents: number;
  alerted_at: number | null;
  found_at: number;
}

export interface DealerWatchlistTable {
  dealer_id: number;
  opportunity_id: number;
  last_bid_cents: number;
  /** 1 once the bid went past the dealer's ceiling and the dealer was told. */
  past_ceiling: number;
  /** 1 once the one-hour warning went out. */
  ending_alerted: number;
  created_at: number;
}

export interface DealerAlertsTable {
  id: Generated<number>;
  dealer_id: number;
  search_id: number | null;
  opportunity_id: number | null;
  kind: string;
  text: string;
  /** Outbox ids of the messages this alert went out as. */
  deliveries_json: string;
  created_at: number;
}

export type DealerTables = {
  dealers: DealersTable;
  dealer_searches: DealerSearchesTable;
  dealer_search_hits: DealerSearchHitsTable;
  dealer_watchlist: DealerWatchlistTable;
  dealer_alerts: DealerAlertsTable;
};
