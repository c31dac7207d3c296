// Schema changes of the opportunities capability, registered in each dialect's history.

/** What a published estimate rests on: the road miles charged, the comparables used and the decoded VIN. */
export function valuationBasisMigration(): string[] {
  return [
    `ALTER TABLE opportunities ADD COLUMN transport_miles INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE opportunities ADD COLUMN comparables_json TEXT NOT NULL DEFAULT '[]'`,
    `ALTER TABLE opportunities ADD COLUMN vehicle_json TEXT`,
  ];
}

const SORTS: Array<[string, string]> = [
  ['newest', 'created_at DESC, id DESC'],
  ['profit', 'profit_cents DESC, id DESC'],
  ['roi', 'roi_bp DESC, id DESC'],
  ['score', 'score DESC, id DESC'],
  ['ending', 'auction_end_ms ASC, id ASC'],
];
const OLD_INDEXES = [
  ...SORTS.map(([n]) => `opp_${n}_idx`),
  'opp_state_idx',
  ...SORTS.flatMap(([n]) => [`opp_make_${n}_idx`, `opp_state_${n}_idx`, `opp_make_state_${n}_idx`]),
];

/**
 * Honest ranking: every list is ordered by rank tier first (0 unflagged, 1 with an open anomaly
 * or data-quality flag), so in every sort a flagged listing comes after every unflagged one.
 * Each keyset index gains the tier right after its equality columns, so a page stays one range
 * read per tier. Existing rows with an open or confirmed flag start in tier 1.
 */
export function honestRankingMigration(activePredicate: string): string[] {
  const out = [
    `ALTER TABLE opportunities ADD COLUMN rank_tier INTEGER NOT NULL DEFAULT 0`,
    `UPDATE opportunities SET rank_tier = 1 WHERE anomalies_json LIKE '%"status":"open"%' OR anomalies_json LIKE '%"status":"confirmed"%'`,
    ...OLD_INDEXES.map((n) => `DROP INDEX IF EXISTS ${n}`),
  ];
  for (const [name, order] of SORTS) {
    out.push(`CREATE INDEX opp_rank_${name}_idx ON opportunities (rank_tier, ${order}) WHERE ${activePredicate}`);
    out.push(`CREATE INDEX opp_rank_state_${name}_idx ON opportunities (state, rank_tier, ${order}) WHERE ${activePredicate}`);
    out.push(`CREATE INDEX opp_rank_make_${name}_idx ON opportunities (make_key, rank_tier, ${order}) WHERE ${activePredicate}`);
    out.push(
      `CREATE INDEX opp_rank_make_state_${name}_idx ON opportunities (make_key, state, rank_tier, ${order}) WHERE ${activePredicate}`,
    );
  }
  return out;
}

/** The bid ceiling for the configured dealer, solved when the row is priced (null: even a bid of 0 misses). */
export function bidCeilingMigration(): string[] {
  return [`ALTER TABLE opportunities ADD COLUMN bid_ceiling_cents BIGINT`];
}

/**
 * A commit-ordered change number on every opportunity write. Each transaction that writes
 * opportunities takes the next number from the one-row counter as its last step and stamps its
 * rows with it; the counter row stays locked until that transaction commits (PostgreSQL row lock;
 * SQLite has one writer at a time anyway), so numbers become visible in commit order and a reader
 * that has seen number N never later sees a new row numbered N or less. The dealer alert pass
 * follows it: updated_at comes from the importer's clock and a plain sequence is drawn before commit.
 */
export function changeSeqMigration(big: string): string[] {
  return [
    `ALTER TABLE opportunities ADD COLUMN change_seq ${big} NOT NULL DEFAULT 0`,
    `CREATE INDEX opp_change_seq_idx ON opportunities (change_seq)`,
    `CREATE TABLE opportunity_change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value ${big} NOT NULL)`,
    `INSERT INTO opportunity_change_counter (id, value) VALUES (1, 0)`,
    // The alert pass's old updated_at watermark; it starts afresh from the counter.
    `DELETE FROM settings WHERE key = 'dealer_alerts_watermark'`,
  ];
}
