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
  ...SORTS.map(([n]) => `opp_${n}_idx`), 'opp_state_idx',
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
    out.push(`CREATE INDEX opp_rank_make_state_${name}_idx ON opportunities (make_key, state, rank_tier, ${order}) WHERE ${activePredicate}`);
  }
  return out;
}

/** The bid ceiling for the configured dealer, solved when the row is priced (null: even a bid of 0 misses). */
export function bidCeilingMigration(): string[] {
  return [`ALTER TABLE opportunities ADD COLUMN bid_ceiling_cents BIGINT`];
}
